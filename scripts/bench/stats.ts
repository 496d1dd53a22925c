export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export const median = (values: readonly number[]): number => percentile(values, 50);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The most flows/s this machine's cores allow at a measured CPU cost per flow (every process of the stack: the hosts,
 * and the bench's own with the store, the Event Grid emulator and the load): a closed loop cannot pass it, whatever the
 * store could serve. `undefined` when a cost is unknown.
 */
export const cpuBoundFlowsPerS = (cores: number, ...cpuMsPerFlow: readonly (number | undefined)[]): number | undefined => {
  const ms = cpuMsPerFlow.reduce<number>((a, b) => a + (b ?? NaN), 0);
  return Number.isFinite(ms) && ms > 0 ? (cores * 1000) / ms : undefined;
};
