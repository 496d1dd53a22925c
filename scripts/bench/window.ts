/**
 * Snapshots taken when a step's measured window opens (after its warm-up) and closes. The closed loop's workers stop
 * at the window's end by their own clock, which can run ahead of the closing timer: `close` then takes the end
 * snapshot itself, so the end is never older than the start.
 */
export const measuredWindow = <T>(snapshot: () => T, opensAfterMs: number, closesAfterMs: number) => {
  let start = snapshot();
  let end: T | undefined;
  const opening = setTimeout(() => (start = snapshot()), opensAfterMs);
  const closing = setTimeout(() => (end = snapshot()), closesAfterMs);
  return {
    close(): { readonly start: T; readonly end: T } {
      clearTimeout(opening);
      clearTimeout(closing);
      return { start, end: end ?? snapshot() };
    },
  };
};
