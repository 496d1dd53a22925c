import { type ParseArgsConfig, parseArgs } from "node:util";

/** A bad command line, said in one line; the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  readonly code = "CLI.USAGE";
}

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;
/** What `parseArgs` gives back for these options (named, so the declaration file can say it). */
type ParsedFlags<O extends FlagOptions, P extends boolean> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>>;

/**
 * Every command line of the repository goes through node:util's `parseArgs`, strict: `--name value`, `--name=value`,
 * switches; an unknown flag, a flag without its value, a value given to a switch or (unless allowed) a positional
 * argument is a UsageError naming it.
 */
export const parseFlags = <O extends FlagOptions, P extends boolean = false>(argv: readonly string[], options: O, allowPositionals?: P): ParsedFlags<O, P> => {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: (allowPositionals ?? false) as P });
  } catch (error) {
    throw oneLine(error, options);
  }
};

// parseArgs's messages are long ("Unknown option '--x'. To specify a positional argument …") or span three lines.
const oneLine = (error: unknown, options: FlagOptions): unknown => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) return error;
  const message = (error as Error).message;
  // The first quoted part names the flag ("'--since <value>'") or the positional argument.
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  const flag = quoted.split(" ")[0] ?? "";
  const option = options[flag.replace(/^--?/, "")] ?? Object.values(options).find((o) => `-${o.short}` === flag);
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const known = Object.keys(options).map((name) => `--${name}`);
      return new UsageError(`unknown flag ${flag} (${known.length > 0 ? `known: ${known.join(" ")}` : "this command takes no flags"})`);
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument '${quoted}'`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(option?.type === "boolean" ? `${flag} takes no value` : `${flag} needs a value`);
    default:
      return new UsageError(message.split("\n")[0]);
  }
};
