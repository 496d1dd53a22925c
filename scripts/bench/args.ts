import { FlowName, flowNames } from "../../src/flows";
import { UsageError, parseFlags } from "@azure-choreography/server-kit";

export interface BenchOptions {
  readonly quick: boolean;
  /** Seconds measured per concurrency step (after a warm-up of a fifth of it, at most 2 s). */
  readonly durationS: number;
  readonly steps: readonly number[];
  /** Runs per step; the table shows the median run (by throughput). */
  readonly repeats: number;
  readonly json: string | undefined;
  readonly flows: readonly FlowName[];
  /** Flows counted one by one, at concurrency 4, for the per-flow operation counts. */
  readonly countedFlows: number;
  /** Seconds per side of the store-capacity and publisher measurements. */
  readonly microS: number;
}

/** What `npm run bench` takes; a bad flag is said in one line with this, exit 2. */
export const USAGE = "npm run bench -- [--quick] [--duration 10] [--steps 1,4,16,64] [--repeats 3] [--json out.json] [--only order]";

export const parseBenchArgs = (argv: readonly string[]): BenchOptions => {
  const { values } = parseFlags(argv, {
    quick: { type: "boolean" },
    duration: { type: "string" },
    steps: { type: "string" },
    repeats: { type: "string" },
    json: { type: "string" },
    only: { type: "string" },
  });
  const quick = values.quick ?? false;
  const number = (name: "duration" | "repeats", fallback: number, max: number): number => {
    const raw = values[name];
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`--${name} must be a number in (0, ${max}]`);
    return n;
  };
  const steps = (values.steps ?? (quick ? "1,16" : "1,4,16,64")).split(",").map(Number);
  // Bounded: at most 64 concurrent flows and 60 s per step, so a run cannot grow without limit.
  if (steps.some((s) => !Number.isInteger(s) || s < 1 || s > 64)) throw new UsageError("--steps must be integers from 1 to 64");
  const { only } = values;
  const isFlow = (name: string): name is FlowName => (flowNames as readonly string[]).includes(name);
  if (only !== undefined && !isFlow(only)) throw new UsageError(`--only is one of ${flowNames.join(", ")}`);
  return {
    quick,
    durationS: number("duration", quick ? 3 : 10, 60),
    steps,
    repeats: Math.round(number("repeats", quick ? 1 : 3, 5)),
    json: values.json,
    flows: only ? [only] : flowNames,
    countedFlows: quick ? 8 : 20,
    microS: quick ? 2 : 5,
  };
};
