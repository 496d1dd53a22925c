import { measuredWindow } from "#scripts/bench/window";

describe("a bench step's measured window", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const counter = () => {
    let n = 0;
    return () => ++n;
  };

  it("snapshots when the window opens and when it closes", () => {
    const window = measuredWindow(counter(), 2_000, 12_000);
    jest.advanceTimersByTime(12_000);
    expect(window.close()).toEqual({ start: 2, end: 3 });
  });

  it("takes the end itself when the workers stop before the closing timer fires", () => {
    // c=1 in the 05:11Z run: the last flow ended just before the timer, and the step's CPU per flow came out negative.
    const window = measuredWindow(counter(), 2_000, 12_000);
    jest.advanceTimersByTime(11_999);
    const { start, end } = window.close();
    expect(start).toBe(2);
    expect(end).toBe(3);
  });

  it("measures from the first snapshot when closed during the warm-up", () => {
    const window = measuredWindow(counter(), 2_000, 12_000);
    jest.advanceTimersByTime(500);
    expect(window.close()).toEqual({ start: 1, end: 2 });
  });
});
