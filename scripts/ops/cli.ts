import { userInfo } from "node:os";
import { parseFlags } from "@azure-choreography/server-kit";

/** A command's flags; every command has --help. */
type FlagOptions = Parameters<typeof parseFlags>[1] & { readonly help: { readonly type: "boolean" } };

/** `cmd pos --flag value --flag=value --switch`, read by node:util's parseArgs with the command's own flags. */
export interface CliArgs<O extends FlagOptions> {
  readonly command: string | undefined;
  readonly positional: readonly string[];
  readonly values: ReturnType<typeof parseFlags<O, true>>["values"];
  readonly help: boolean;
}

/** The flags both operator tools (dead-letters, poison) take: filters, output, and who acts and why. */
export const operatorToolOptions = {
  reason: { type: "string" },
  since: { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  by: { type: "string" },
  why: { type: "string" },
  help: { type: "boolean" },
} as const;

const isOneOf = <C extends string>(values: readonly C[], value: string): value is C => (values as readonly string[]).includes(value);

/** An unknown flag, a flag without its value or a value given to a switch is a UsageError naming it. */
export const parseCliArgs = <O extends FlagOptions>(argv: readonly string[], options: O): CliArgs<O> => {
  const { values, positionals } = parseFlags(argv, options, true);
  return { command: positionals[0], positional: positionals.slice(1), values, help: (values as { help?: unknown }).help === true };
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

/** Who acts: `--by`, else the login name. */
export const operator = (by: string | undefined): string => by ?? process.env.USER ?? safeUserName();

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

/**
 * Runs a command-line tool: no command or --help prints the usage, a bad flag or a command not in `commands` is
 * refused in one line with it (exit 2), and `main` gets the command typed, so its switch can be checked for
 * exhaustiveness. A thrown error is one line on stderr and exit code 1, never a stack trace.
 */
export const runCli = <C extends string, O extends FlagOptions>(
  usage: string,
  commands: readonly C[],
  options: O,
  main: (command: C, args: CliArgs<O>) => Promise<number>,
): void => {
  let args: CliArgs<O>;
  try {
    args = parseCliArgs(process.argv.slice(2), options);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (!args.command || args.help) {
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
