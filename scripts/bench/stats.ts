export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The most flows/s this machine allows at a measured CPU cost per flow: all cores over every process's CPU per flow (the
 * hosts, and the bench's own with the store, the Event Grid emulator and the load), and no more than the busiest main
 * thread can run (a Node process runs its JavaScript on that one thread; its GC and compiler helpers are the rest).
 * A closed loop cannot pass it, whatever the store could serve. `undefined` when a cost is unknown.
 */
export const cpuBoundFlowsPerS = (cores: number, totalMsPerFlow: number | undefined, busiestMainThreadMsPerFlow: number | undefined): number | undefined => {
  if (totalMsPerFlow === undefined || busiestMainThreadMsPerFlow === undefined) return undefined;
  if (!(totalMsPerFlow > 0) || !(busiestMainThreadMsPerFlow > 0)) return undefined;
  return Math.min((cores * 1000) / totalMsPerFlow, 1000 / busiestMainThreadMsPerFlow);
};
