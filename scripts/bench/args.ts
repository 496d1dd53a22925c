/** `npm run bench -- [--quick] [--duration 10] [--steps 1,4,16,64] [--repeats 3] [--json out.json] [--only order]` */
export interface BenchOptions {
  readonly quick: boolean;
  /** Seconds measured per concurrency step (after a warm-up of a fifth of it, at most 2 s). */
  readonly durationS: number;
  readonly steps: readonly number[];
  /** Runs per step; the table shows the median run (by throughput). */
  readonly repeats: number;
  readonly json: string | undefined;
  readonly flows: readonly ("order" | "onboarding")[];
  /** Flows counted one by one, at concurrency 4, for the per-flow operation counts. */
  readonly countedFlows: number;
  /** Seconds per side of the store-capacity and publisher measurements. */
  readonly microS: number;
}

export const parseArgs = (argv: readonly string[]): BenchOptions => {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
    return v;
  };
  const number = (name: string, fallback: number, max: number): number => {
    const raw = value(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`--${name} must be a number in (0, ${max}]`);
    return n;
  };
  const known = new Set(["--quick", "--duration", "--steps", "--repeats", "--json", "--only"]);
  for (const [i, arg] of argv.entries()) {
    if (arg.startsWith("--") && !known.has(arg)) throw new Error(`unknown flag ${arg}`);
    if (!arg.startsWith("--") && !(i > 0 && known.has(argv[i - 1]!) && argv[i - 1] !== "--quick")) throw new Error(`unexpected argument ${arg}`);
  }
  const quick = argv.includes("--quick");
  const steps = (value("steps") ?? (quick ? "1,16" : "1,4,16,64")).split(",").map(Number);
  // Bounded: at most 64 concurrent flows and 60 s per step, so a run cannot grow without limit.
  if (steps.some((s) => !Number.isInteger(s) || s < 1 || s > 64)) throw new Error("--steps must be integers from 1 to 64");
  const only = value("only");
  if (only !== undefined && only !== "order" && only !== "onboarding") throw new Error("--only is order or onboarding");
  return {
    quick,
    durationS: number("duration", quick ? 3 : 10, 60),
    steps,
    repeats: Math.round(number("repeats", quick ? 1 : 3, 5)),
    json: value("json"),
    flows: only ? [only] : ["order", "onboarding"],
    countedFlows: quick ? 8 : 20,
    microS: quick ? 2 : 5,
  };
};
