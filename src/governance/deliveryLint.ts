import type { DeliveryPolicy } from "../topology";

export interface SubscriptionDelivery {
  readonly name: string;
  readonly delivery: DeliveryPolicy;
  /** The longest deadline of the flows whose events it carries: past it, the flow is stalled and someone looks. */
  readonly deadlineInMs: number;
}

/**
 * When the last attempt happens after the first: the delays between attempts follow `scheduleInMs` (its last step
 * repeating), and Event Grid stops at the event's time to live whatever attempts remain.
 */
export const lastAttemptAfterInMs = (policy: DeliveryPolicy, scheduleInMs: readonly number[]): number => {
  const ttl = policy.eventTimeToLiveInMinutes * 60_000;
  let at = 0;
  for (let attempt = 2; attempt <= policy.maxDeliveryAttempts; attempt++) {
    const next = at + (scheduleInMs[Math.min(attempt - 2, scheduleInMs.length - 1)] ?? 0);
    if (next > ttl) break;
    at = next;
  }
  return at;
};

const minutes = (ms: number): string => (ms >= 3_600_000 ? `${+(ms / 3_600_000).toFixed(1)} h` : `${+(ms / 60_000).toFixed(1)} min`);

/**
 * Subscriptions that can lose events: no dead-letter destination, or retries that end before the deadline of the
 * flows they carry (a consumer down for less than a flow's deadline would then lose the event, where the flow's own
 * stalled warning would have been the first sign of trouble).
 */
export const lintDeliveries = (subscriptions: readonly SubscriptionDelivery[], scheduleInMs: readonly number[]): string[] =>
  subscriptions.flatMap((s) => {
    const problems: string[] = [];
    if (!s.delivery.deadLetter) problems.push(`subscription ${s.name} has no dead-letter destination: an event that outlives its retries is lost`);
    const lastAttempt = lastAttemptAfterInMs(s.delivery, scheduleInMs);
    if (lastAttempt < s.deadlineInMs) {
      problems.push(
        `subscription ${s.name} gives up ${minutes(lastAttempt)} after the first attempt (${s.delivery.maxDeliveryAttempts} attempts, time to live ${s.delivery.eventTimeToLiveInMinutes} min), before the ${minutes(s.deadlineInMs)} deadline of the flows it carries`,
      );
    }
    return problems;
  });
