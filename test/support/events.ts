import { EventData, EventType } from "#src/events/catalog";
import { DecisionContext, EventOf } from "#src/platform/reactions";

let counter = 0;

/** A well-formed event of `type` for specs; the data is checked against the catalog's schema by the runner, not here. */
export const anEvent = <T extends EventType>(type: T, data: EventData<T>, overrides: Partial<EventOf<T>> = {}): EventOf<T> =>
  ({
    specversion: "1.0",
    id: `evt-${++counter}`,
    source: "/tests",
    type,
    time: "2026-01-01T00:00:00.000Z",
    correlationid: "flow-1",
    data,
    ...overrides,
  }) as EventOf<T>;

export const fixedNow = new Date("2026-01-02T03:04:05.000Z");

export const decisionContext = (): DecisionContext => {
  let n = 0;
  return { now: fixedNow, newId: () => `id-${++n}` };
};

/** References as payments and banking hand them out (src/platform/tokenVault.ts): what events carry instead of tokens. */
export const A_PAYMENT_METHOD_ID = `pm_${"A".repeat(32)}`;
export const A_FUNDING_SOURCE_ID = `fs_${"B".repeat(32)}`;
