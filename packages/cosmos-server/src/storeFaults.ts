/**
 * Faults of the store on demand, as a hot partition or a brief outage shows them in Azure: for a window, a share of
 * the data-plane requests (documents: reads, queries, writes, batches) answered 429 with `x-ms-retry-after-ms`, a share
 * answered 503, and/or every one answered late. A refused request is refused before it touches anything, as Cosmos DB
 * does: nothing of it is written.
 */
export interface StoreFaultPlan {
  /** Share (0–1) of requests answered 429 Too Many Requests. */
  readonly throttledShare?: number;
  /** The `x-ms-retry-after-ms` of a 429; default 100. */
  readonly retryAfterMs?: number;
  /** Share (0–1) of requests answered 503 Service Unavailable. */
  readonly unavailableShare?: number;
  /** Added before every data-plane request is handled. */
  readonly delayMs?: number;
  /** How long the plan lasts. */
  readonly forMs: number;
}

export type StoreFault = { readonly kind: "throttled"; readonly retryAfterMs: number } | { readonly kind: "unavailable" };

/** A plan with when it ends (or ended) and what it has done: requests refused 429 or 503, and answered late. */
export interface StoreFaultRecord {
  readonly plan: StoreFaultPlan;
  readonly endsAt: string;
  readonly underWay: boolean;
  readonly throttled: number;
  readonly unavailable: number;
  readonly delayed: number;
}

export interface StoreFaults {
  /** Starts a plan (replacing one under way); it ends by itself after `forMs`. */
  set(plan: StoreFaultPlan): void;
  /** Ends the plan under way now. */
  clear(): void;
  /** The plan under way, or undefined. */
  current(): StoreFaultRecord | undefined;
  /** The last plan set, under way or ended, kept until the next one, so what it did can be read after its window. */
  last(): StoreFaultRecord | undefined;
  /** For the server: what to do with one data-plane request. */
  decide(): { readonly fault?: StoreFault; readonly delayMs: number };
}

/** Bounds of a plan: at most 10 minutes, delays at most 30 s (a client's timeout is about 60 s). */
export const MAX_FAULT_FOR_MS = 600_000;
export const MAX_FAULT_DELAY_MS = 30_000;

export const validateStoreFaultPlan = (plan: StoreFaultPlan): string | undefined => {
  const share = (v: number | undefined) => v === undefined || (Number.isFinite(v) && v >= 0 && v <= 1);
  if (!share(plan.throttledShare)) return "throttledShare must be a number from 0 to 1";
  if (!share(plan.unavailableShare)) return "unavailableShare must be a number from 0 to 1";
  if ((plan.throttledShare ?? 0) + (plan.unavailableShare ?? 0) > 1) return "throttledShare + unavailableShare must be at most 1";
  const within = (v: number | undefined, max: number) => v === undefined || (Number.isInteger(v) && v >= 0 && v <= max);
  if (!within(plan.retryAfterMs, 60_000)) return "retryAfterMs must be an integer from 0 to 60000";
  if (!within(plan.delayMs, MAX_FAULT_DELAY_MS)) return `delayMs must be an integer from 0 to ${MAX_FAULT_DELAY_MS}`;
  if (!Number.isInteger(plan.forMs) || plan.forMs < 1 || plan.forMs > MAX_FAULT_FOR_MS) return `forMs must be an integer from 1 to ${MAX_FAULT_FOR_MS}`;
  return undefined;
};

export const createStoreFaults = (options: { random?: () => number; now?: () => number } = {}): StoreFaults => {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let latest: { plan: StoreFaultPlan; endsAt: number; throttled: number; unavailable: number; delayed: number } | undefined;
  const live = () => (latest && now() < latest.endsAt ? latest : undefined);
  const record = (a: NonNullable<typeof latest>): StoreFaultRecord => ({
    plan: a.plan,
    endsAt: new Date(a.endsAt).toISOString(),
    underWay: now() < a.endsAt,
    throttled: a.throttled,
    unavailable: a.unavailable,
    delayed: a.delayed,
  });
  return {
    set: (plan) => {
      const problem = validateStoreFaultPlan(plan);
      if (problem) throw new RangeError(problem);
      latest = { plan, endsAt: now() + plan.forMs, throttled: 0, unavailable: 0, delayed: 0 };
    },
    clear: () => {
      const a = live();
      if (a) a.endsAt = now();
    },
    current: () => {
      const a = live();
      return a && record(a);
    },
    last: () => latest && record(latest),
    decide: () => {
      const a = live();
      if (!a) return { delayMs: 0 };
      const delayMs = a.plan.delayMs ?? 0;
      if (delayMs > 0) a.delayed++;
      const roll = random();
      const throttled = a.plan.throttledShare ?? 0;
      if (roll < throttled) {
        a.throttled++;
        return { fault: { kind: "throttled", retryAfterMs: a.plan.retryAfterMs ?? 100 }, delayMs };
      }
      if (roll < throttled + (a.plan.unavailableShare ?? 0)) {
        a.unavailable++;
        return { fault: { kind: "unavailable" }, delayMs };
      }
      return { delayMs };
    },
  };
};
