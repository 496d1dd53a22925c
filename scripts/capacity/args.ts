import { flowNames } from "../../src/flows";
import { UsageError, parseFlags } from "@azure-choreography/server-kit";
import type { Target } from "./model";

export { UsageError };

/** The flags of `npm run capacity` (scripts/capacity.ts). */
export const USAGE = "usage: npm run capacity -- --flows-per-second order=10000,onboarding=1000,topUp=1000 [--json FILE] [--count 30] [--flex-quota-mb 512000]";
export const DEFAULT_TARGET = "order=10000,onboarding=1000,topUp=1000";
export const MAX_COUNT = 500;

export interface CapacityOptions {
  readonly target: Target;
  readonly json: string | undefined;
  readonly count: number;
  /** The subscription's Flex Consumption quota in the region, if an increase was granted (MB). */
  readonly flexQuotaMb: number | undefined;
}

/** `order=10000,onboarding=1000`: every name a flow of src/flows.ts, every rate a finite number ≥ 0, at least one > 0. */
export const parseTarget = (text: string): Target => {
  const target: Record<string, number> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [name, value, ...rest] = part.split("=");
    if (!name || value === undefined || rest.length > 0) throw new UsageError(`--flows-per-second: "${part}" is not flow=rate`);
    if (!(flowNames as readonly string[]).includes(name)) throw new UsageError(`--flows-per-second: unknown flow "${name}" (flows: ${flowNames.join(", ")})`);
    const rate = Number(value);
    if (value.trim() === "" || !Number.isFinite(rate) || rate < 0) throw new UsageError(`--flows-per-second: ${name}'s rate "${value}" is not a number ≥ 0`);
    if (name in target) throw new UsageError(`--flows-per-second: ${name} given twice`);
    target[name] = rate;
  }
  if (!Object.values(target).some((r) => r > 0)) throw new UsageError("--flows-per-second: give at least one flow a rate above 0");
  return target;
};

export const parseCapacityArgs = (argv: readonly string[]): CapacityOptions => {
  const { values } = parseFlags(argv, { "flows-per-second": { type: "string" }, json: { type: "string" }, count: { type: "string" }, "flex-quota-mb": { type: "string" } });
  const count = values.count === undefined ? 30 : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new UsageError(`--count: a whole number from 1 to ${MAX_COUNT}, not "${values.count}"`);
  if (values.json !== undefined && values.json.trim() === "") throw new UsageError("--json: needs a file name");
  const quota = values["flex-quota-mb"];
  const flexQuotaMb = quota === undefined ? undefined : Number(quota);
  // Number("") is 0: an empty value fails the bound too.
  if (flexQuotaMb !== undefined && (!Number.isInteger(flexQuotaMb) || flexQuotaMb < 1)) {
    throw new UsageError(`--flex-quota-mb: the region's Flex Consumption quota in MB, a whole number ≥ 1, not "${quota}"`);
  }
  return { target: parseTarget(values["flows-per-second"] ?? DEFAULT_TARGET), json: values.json, count, flexQuotaMb };
};

