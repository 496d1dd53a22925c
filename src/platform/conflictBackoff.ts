import { ConcurrencyConflictError } from "./errors";

/*
 * Waiting after a lost optimistic-concurrency race (ConcurrencyConflictError: an ETag's 412, a taken id's 409) before
 * reading again. Nothing retries these for us: @azure/cosmos 4.9 retries 429 itself (9 times, at most 30 s), and 503,
 * timeouts and some 404/403, never 409 or 412 (retry/retryUtility.js). Retrying at once makes N racers for one document
 * fail N − 1 batches every round (each charged RU), so the losers wait a random time in a window that doubles after
 * each loss: exponential backoff with "full jitter", random(0, min(cap, first · 2^(n−1))), as in the AWS Architecture
 * Blog's simulation of contending clients ("Exponential Backoff And Jitter", 2015), which prefers it to keeping part of
 * the window fixed; test/unit/services/inventory/hotSkuContention.test.ts counts the batches it saves here. The Azure
 * SDK's own retry (@azure/core-util `calculateRetryDelay`) doubles the same way but keeps the upper half of the window
 * ("equal jitter"), from 1 s up to 64 s: made for transport errors and 5xx, far too slow for a race decided in the
 * milliseconds of a point read and a batch.
 */

/** Waits after the `failedAttempts`-th lost race (1, 2, …), before the next attempt. */
export type ConflictBackoff = (failedAttempts: number) => Promise<void>;

export interface ConflictBackoffPolicy {
  /** The window after the first lost race: about one read and batch round trip, so the first retry comes quickly. */
  readonly firstDelayInMs: number;
  /** The widest window: as many racers as fit one after another in it get through without another loss. */
  readonly maxDelayInMs: number;
}

export const CONFLICT_BACKOFF: ConflictBackoffPolicy = { firstDelayInMs: 10, maxDelayInMs: 200 };

/** The longest wait after the `failedAttempts`-th lost race: the first window, doubled after each loss, capped. */
export const conflictDelayCeilingInMs = (failedAttempts: number, policy: ConflictBackoffPolicy = CONFLICT_BACKOFF): number =>
  Math.min(policy.maxDelayInMs, policy.firstDelayInMs * 2 ** (failedAttempts - 1));

/** The longest an operation of `maxAttempts` attempts can wait in all, when it loses every race but the last. */
export const worstCaseConflictWaitInMs = (maxAttempts: number, policy: ConflictBackoffPolicy = CONFLICT_BACKOFF): number => {
  let total = 0;
  for (let failed = 1; failed < maxAttempts; failed++) total += conflictDelayCeilingInMs(failed, policy);
  return total;
};

const sleepInMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter backoff; `sleep` and `random` are injected by tests, which then neither wait nor depend on chance. */
export const conflictBackoff = ({
  policy = CONFLICT_BACKOFF,
  sleep = sleepInMs,
  random = Math.random,
}: { policy?: ConflictBackoffPolicy; sleep?: (ms: number) => Promise<void>; random?: () => number } = {}): ConflictBackoff =>
  (failedAttempts) => sleep(random() * conflictDelayCeilingInMs(failedAttempts, policy));

/**
 * Runs `attempt` (numbered from 1) until it returns; one that loses a race (ConcurrencyConflictError) is tried again
 * after `backoff`, up to `maxAttempts` in all, then `gaveUp()` is thrown. The first attempt runs at once; any other
 * error is thrown at once. Each attempt must read what it writes again: a retry of a stale write loses again.
 */
export const retryOnConflict = async <T>(
  attempt: (attemptNumber: number) => Promise<T>,
  { maxAttempts, backoff, gaveUp }: { readonly maxAttempts: number; readonly backoff: ConflictBackoff; readonly gaveUp: () => Error },
): Promise<T> => {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      if (attemptNumber >= maxAttempts) throw gaveUp();
      await backoff(attemptNumber);
    }
  }
};
