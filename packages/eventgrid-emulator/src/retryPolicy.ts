import type { DeadLetterReason, DeliveryOutcome } from "./types";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Event Grid's published retry schedule; the last step (12 h) repeats. */
export const EVENT_GRID_RETRY_SCHEDULE_IN_MS: readonly number[] = [
  10 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];
export const EVENT_GRID_EVENT_TIME_TO_LIVE_IN_MINUTES = 24 * 60;
export const EVENT_GRID_MAX_DELIVERY_ATTEMPTS = 30;

export const scaleSchedule = (schedule: readonly number[], scale: number): number[] =>
  schedule.map((delay) => Math.max(1, Math.round(delay * scale)));

/**
 * A subscription's `eventTimeToLiveInMinutes` on the emulator's clock, compressed by `retryScale` as the retry schedule
 * is: so a local run gives up after the same number of attempts Azure would make.
 */
export const scaledTimeToLiveInMs = (eventTimeToLiveInMinutes: number, scale: number): number =>
  Math.round(eventTimeToLiveInMinutes * MINUTE * scale);

export interface AttemptResult {
  outcome: DeliveryOutcome;
  httpStatusCode?: number;
  errorMessage?: string;
}

export type NextStep =
  | { kind: "done" }
  | { kind: "retry"; delayInMs: number }
  /** `delayInMs` > 0 when the event still lives until its time to live runs out, as Event Grid keeps it until then. */
  | { kind: "deadLetter"; reason: DeadLetterReason; delayInMs: number };

export interface RetryPolicy {
  scheduleInMs: readonly number[];
  maxDeliveryAttempts: number;
  eventTimeToLiveInMs: number;
}

/** Only 200-204 count as delivered, as in Event Grid. */
export function outcomeForStatus(status: number): DeliveryOutcome {
  if (status >= 200 && status <= 204) return "Succeeded";
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 408:
      return "TimedOut";
    case 413:
      return "PayloadTooLarge";
    case 429:
    case 503:
      return "Busy";
    default:
      return "GenericError";
  }
}

// Webhook answers Event Grid never retries: retrying cannot fix them, so they are dead-lettered at once.
const UNDELIVERABLE: Partial<Record<number, DeadLetterReason>> = {
  400: "UndeliverableDueToHttpBadRequest",
  401: "UndeliverableDueToHttpUnauthorized",
  403: "UndeliverableDueToHttpForbidden",
  413: "UndeliverableDueToHttpPayloadTooLarge",
};

/**
 * What to do after attempt number `attempts` (1-based) ended with `result`. Pure: the caller passes the clock
 * readings (`nowInMs`, `publishedAtInMs`).
 */
export function decideNextStep(
  result: AttemptResult,
  attempts: number,
  policy: RetryPolicy,
  publishedAtInMs: number,
  nowInMs: number,
): NextStep {
  if (result.outcome === "Succeeded") return { kind: "done" };
  const undeliverable = result.httpStatusCode === undefined ? undefined : UNDELIVERABLE[result.httpStatusCode];
  if (undeliverable) return { kind: "deadLetter", reason: undeliverable, delayInMs: 0 };
  if (attempts >= policy.maxDeliveryAttempts) {
    return { kind: "deadLetter", reason: "MaxDeliveryAttemptsExceeded", delayInMs: 0 };
  }
  const delayInMs = retryDelayInMs(policy.scheduleInMs, attempts);
  const expiresAtInMs = publishedAtInMs + policy.eventTimeToLiveInMs;
  if (nowInMs + delayInMs >= expiresAtInMs) {
    return { kind: "deadLetter", reason: "TimeToLiveExceeded", delayInMs: Math.max(0, expiresAtInMs - nowInMs) };
  }
  return { kind: "retry", delayInMs };
}

export function retryDelayInMs(schedule: readonly number[], attempts: number): number {
  if (schedule.length === 0) return 0;
  const index = Math.min(Math.max(attempts, 1), schedule.length) - 1;
  return schedule[index] ?? 0;
}
