import { UsageError, parseFlags } from "@azure-choreography/server-kit";
import { ChaosOptions, EVENT_GRID_FIRST_RETRY_MS, defaultChaosOptions, shortChaosOptions } from "./plan";

export const USAGE = `npm run chaos -- [--flows N] [--outage-ms N] [--kills N] [--seed N] [--retry-scale X] [--short] [--json FILE] [--verbose]
  Starts the local stack in split mode on free loopback ports, runs mixed flows while killing service hosts,
  duplicating deliveries and taking the CRM down, waits for quiescence and checks the business invariants.
  Exits 1 on any breach, 2 on bad flags or a run that could not start.`;

export interface ChaosArgs {
  readonly options: ChaosOptions;
  readonly json?: string;
  readonly verbose: boolean;
  readonly help: boolean;
}

/** `npm run chaos`'s flags; a bad one, or a run that would not be bounded or would test nothing, is a UsageError. */
export const parseChaosArgs = (argv: readonly string[]): ChaosArgs => {
  const { values } = parseFlags(argv, {
    flows: { type: "string" },
    "outage-ms": { type: "string" },
    kills: { type: "string" },
    seed: { type: "string" },
    "retry-scale": { type: "string" },
    short: { type: "boolean" },
    json: { type: "string" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const base = values.short ? shortChaosOptions : defaultChaosOptions;
  const number = (flag: "flows" | "outage-ms" | "kills" | "seed" | "retry-scale", fallback: number, integer = true): number => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
      throw new UsageError(`--${flag} needs a ${integer ? "whole " : ""}number ≥ 0, got ${text}`);
    }
    return value;
  };
  const retryScale = number("retry-scale", base.retryScale, false);
  if (values["retry-scale"] !== undefined && (retryScale <= 0 || retryScale > 1)) throw new UsageError(`--retry-scale must be in (0, 1], got ${retryScale}`);
  const options: ChaosOptions = {
    ...base,
    flows: number("flows", base.flows),
    outageMs: number("outage-ms", base.outageMs),
    kills: number("kills", base.kills),
    seed: number("seed", base.seed),
    retryScale,
  };
  if (values.json === "") throw new UsageError("--json needs a file name");
  if (options.flows < 1 || options.flows > 5_000) throw new UsageError("--flows must be 1 to 5000 (the run is bounded)");
  if (options.kills > 50 || options.outageMs > 300_000) throw new UsageError("--kills ≤ 50 and --outage-ms ≤ 300000 (the run is bounded)");
  const firstRetryMs = EVENT_GRID_FIRST_RETRY_MS * options.retryScale;
  if (options.kills > 0 && firstRetryMs >= options.outageMs) {
    throw new UsageError(`--retry-scale ${options.retryScale} puts the first retry at ${firstRetryMs} ms, not shorter than --outage-ms ${options.outageMs}: the outages would test nothing`);
  }
  return { options, ...(values.json !== undefined ? { json: values.json } : {}), verbose: values.verbose ?? false, help: values.help ?? false };
};
