import { cpuBoundFlowsPerS, percentile } from "../../../scripts/bench/stats";

describe("bench statistics", () => {
  it("takes the nearest-rank percentile, NaN for no values", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
  });

  it("bounds flows/s by the cores over every process's CPU per flow", () => {
    // 2 cores, 12 ms in the hosts and 8 ms in the bench's process per flow: 2,000 ms of CPU per second ÷ 20 ms.
    expect(cpuBoundFlowsPerS(2, 12, 8)).toBe(100);
    expect(cpuBoundFlowsPerS(8, 12, 8)).toBe(400);
  });

  it("has no bound when a cost is unknown or nothing was measured", () => {
    expect(cpuBoundFlowsPerS(2, undefined, 8)).toBeUndefined();
    expect(cpuBoundFlowsPerS(2, NaN, 8)).toBeUndefined();
    expect(cpuBoundFlowsPerS(2, 0, 0)).toBeUndefined();
  });
});
