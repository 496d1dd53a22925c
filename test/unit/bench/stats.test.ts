import { cpuBoundFlowsPerS, percentile } from "#scripts/bench/stats";
import { childrenCpuBetween } from "#scripts/bench/childProcess";

describe("bench statistics", () => {
  it("takes the nearest-rank percentile, NaN for no values", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });

  it("bounds flows/s by the cores over every process's CPU per flow", () => {
    // 2 cores, 20 ms of CPU per flow in all, no main thread above 8 ms: 2,000 ms of CPU per second ÷ 20 ms.
    expect(cpuBoundFlowsPerS(2, 20, 8)).toBe(100);
    expect(cpuBoundFlowsPerS(8, 20, 2)).toBe(400);
  });

  it("bounds flows/s by the busiest main thread", () => {
    // One host's main thread at 21.4 ms per flow of 36 ms in all (05:15Z, c=1): 2 cores would allow 56, the thread 47.
    expect(cpuBoundFlowsPerS(2, 36, 21.4)).toBeCloseTo(46.7, 1);
  });

  it("has no bound when a cost is unknown or nothing was measured", () => {
    expect(cpuBoundFlowsPerS(2, undefined, 8)).toBeUndefined();
    expect(cpuBoundFlowsPerS(2, 20, undefined)).toBeUndefined();
    expect(cpuBoundFlowsPerS(2, NaN, 8)).toBeUndefined();
    expect(cpuBoundFlowsPerS(2, -2, 8)).toBeUndefined();
    expect(cpuBoundFlowsPerS(2, 0, 0)).toBeUndefined();
  });

  it("sums children's CPU pid by pid, with the busiest main thread and the children that exited", () => {
    const cpu = (ms: number, mainThreadMs: number) => ({ ms, mainThreadMs });
    const start = new Map([[10, cpu(100, 80)], [11, cpu(50, 40)], [12, cpu(30, 20)]]);
    const end = new Map([[10, cpu(400, 300)], [11, cpu(60, 45)], [13, cpu(20, 15)]]);
    expect(childrenCpuBetween(start, end)).toEqual({ ms: 300 + 10 + 20, busiestMainThreadMs: 220, exited: [12] });
    expect(childrenCpuBetween(undefined, end)).toBeUndefined();
  });
});
