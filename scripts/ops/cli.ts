import { userInfo } from "node:os";

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, string | true>;
}

const isOneOf = <C extends string>(values: readonly C[], value: string): value is C => (values as readonly string[]).includes(value);

const BOOLEAN_FLAGS = new Set(["dry-run", "json", "help"]);

/** `cmd pos --flag value --flag=value --bool`; unknown flags are refused by the caller, which knows its own. */
export const parseArgs = (argv: readonly string[]): ParsedArgs => {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) flags.set(name, arg.slice(eq + 1));
    else if (BOOLEAN_FLAGS.has(name)) flags.set(name, true);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value (or is not a flag of this command)`);
      flags.set(name, value);
      i++;
    }
  }
  return { command: positional[0], positional: positional.slice(1), flags };
};

export const checkFlags = (args: ParsedArgs, allowed: readonly string[]): void => {
  for (const name of args.flags.keys()) {
    if (!allowed.includes(name)) throw new Error(`unknown flag --${name} (known: ${allowed.map((a) => `--${a}`).join(" ")})`);
  }
};

export const stringFlag = (args: ParsedArgs, name: string): string | undefined => {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
};

/** `--since 2026-11-30T10:00:00Z`, or relative to now: `30m`, `2h`, `1d`. */
export const parseSince = (text: string | undefined, now: Date): Date | undefined => {
  if (text === undefined) return undefined;
  const relative = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "m" | "h" | "d"];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Error(`--since must be an ISO time or 30m / 2h / 1d, got '${text}'`);
  return new Date(at);
};

export const operator = (args: ParsedArgs): string => stringFlag(args, "by") ?? process.env.USER ?? safeUserName();

const safeUserName = (): string => {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
};

export const table = (rows: readonly (readonly string[])[]): string => {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ").trimEnd()).join("\n");
};

/** Runs a CLI: a thrown error is one line on stderr and exit code 1 (2 for usage errors), never a stack trace. */
/**
 * Runs a command-line tool: no command or --help prints the usage, a command not in `commands` is refused with it
 * (exit 2), and `main` gets the command typed, so its switch can be checked for exhaustiveness.
 */
export const runCli = <C extends string>(usage: string, commands: readonly C[], main: (command: C, args: ParsedArgs) => Promise<number>): void => {
  let args: ParsedArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (!args.command || args.flags.has("help")) {
    process.stdout.write(`${usage}\n`);
    process.exit(args.command ? 0 : 2);
  }
  const { command } = args;
  if (!isOneOf(commands, command)) {
    process.stderr.write(`unknown command '${command}'\n${usage}\n`);
    process.exit(2);
  }
  main(command, args).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const hint = /ECONNREFUSED/.test(message) ? " (is the local stack running? npm start)" : "";
      process.stderr.write(`error: ${message}${hint}\n`);
      process.exit(1);
    },
  );
};
