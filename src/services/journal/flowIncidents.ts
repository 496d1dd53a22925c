import type { Database } from "@azure/cosmos";
import { POISON_PARTITION } from "../../platform/reactions/poison";

/** A delivery Event Grid gave up on, without the event's data. */
export interface DeadLetterView {
  readonly subscription: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly deadLetterReason: string;
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
  readonly lastDeliveryAttemptTime: string;
}

/** An event a reaction parked because it failed its schema, without the event's data. */
export interface PoisonView {
  readonly container: string;
  readonly reaction: string;
  readonly reason: string;
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  readonly parkedAt: string;
}

/** What the journal knows of a flow that bounds where its incidents can be. */
export interface FlowWindow {
  readonly correlationId: string;
  readonly startedAt: string;
  readonly lastEventAt: string;
  /** The event types the flow holds: the subscriptions they go to are where its dead letters can be. */
  readonly eventTypes: readonly string[];
}

/** `null` means "not known here" (not configured, or the source could not be read), never "none". */
export interface FlowIncidents {
  deadLettersOf(flow: FlowWindow): Promise<DeadLetterView[] | null>;
  poisonOf(correlationId: string): Promise<PoisonView[] | null>;
}

/** Where a flow's dead letters are read from: the local emulator's list, or Event Grid's blobs. */
export type DeadLetterReader = (flow: FlowWindow) => Promise<DeadLetterView[] | null>;

const text = (value: unknown): string => (typeof value === "string" ? value.slice(0, 500) : "");
const record = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {});

/** A dead letter (either source's shape: the event beside Event Grid's dead-letter properties) as a flow view shows it. */
export const deadLetterView = (d: Record<string, unknown>, subscription: string): DeadLetterView => ({
  subscription,
  eventId: text(record(d.event).id),
  eventType: text(record(d.event).type),
  deadLetterReason: text(d.deadLetterReason),
  deliveryAttempts: typeof d.deliveryAttempts === "number" ? d.deliveryAttempts : 0,
  lastDeliveryOutcome: text(d.lastDeliveryOutcome),
  lastDeliveryAttemptTime: text(d.lastDeliveryAttemptTime),
});

const DEAD_LETTER_READ_TIMEOUT_MS = 2_000;

/**
 * How long one read of an incident source serves every flow view. A dashboard of many flows, or many readers, would
 * otherwise repeat the same listing per flow: with it, reading incidents costs one listing per source per interval
 * whatever the number of reads, and an incident shows in a view at most this much later.
 */
export const INCIDENT_SNAPSHOT_MS = 2_000;

/** The last answer of `load`, shared by callers for `ttlMs`; one load at a time; a failed load is not kept. */
export const sharedSnapshot = <T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): (() => Promise<T>) => {
  let current: { readonly at: number; readonly value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (!current || at - current.at >= ttlMs) {
      const value = load();
      current = { at, value };
      value.catch(() => {
        if (current?.value === value) current = undefined;
      });
    }
    return current.value;
  };
};

/** Locally: the Event Grid emulator's `GET /dead-letters` (every dead letter it holds, filtered here). */
export const emulatorDeadLetters = (url: string, fetchImpl: typeof fetch = fetch, now: () => number = Date.now): DeadLetterReader => {
  const list = sharedSnapshot(
    async (): Promise<Record<string, unknown>[] | null> => {
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(DEAD_LETTER_READ_TIMEOUT_MS) });
      if (!response.ok) return null;
      const body: unknown = await response.json();
      return Array.isArray(body) ? body.map(record) : null;
    },
    INCIDENT_SNAPSHOT_MS,
    now,
  );
  return async ({ correlationId }) => {
    try {
      const all = await list();
      return all === null ? null : all.filter((d) => record(d.event).correlationid === correlationId).map((d) => deadLetterView(d, text(d.subscription)));
    } catch {
      return null;
    }
  };
};

/**
 * Poison records of one container, as flow views need them. A snapshot holds at most this many per container; a
 * container with more is asked per flow instead (a single-partition query filtered by correlation id).
 */
export const POISON_SNAPSHOT_LIMIT = 1_000;

interface PoisonRow {
  readonly reaction?: unknown;
  readonly reason?: unknown;
  readonly parkedAt?: unknown;
  readonly event?: unknown;
}

const poisonView = (container: string, p: PoisonRow): PoisonView => ({
  container,
  reaction: text(p.reaction),
  reason: text(p.reason),
  eventId: text(record(p.event).id) || undefined,
  eventType: text(record(p.event).type) || undefined,
  parkedAt: text(p.parkedAt),
});

export const createFlowIncidents = (options: {
  readonly deadLetters: DeadLetterReader | undefined;
  readonly poisonContainers: readonly string[];
  readonly database: () => Database;
  readonly now?: () => number;
}): FlowIncidents => {
  const poisonQuery = (container: string, where: string, parameters: { name: string; value: string }[], top = "") =>
    options
      .database()
      .container(container)
      .items.query<PoisonRow>(
        {
          // Only what a view shows: the parked event itself can be large (and hostile).
          query: `SELECT ${top} c.reaction, c.reason, c.parkedAt, {"id": c.event.id, "type": c.event.type, "correlationid": c.event.correlationid} AS event FROM c WHERE c.pk = @pk AND c.kind = 'poison'${where}`,
          parameters: [{ name: "@pk", value: POISON_PARTITION }, ...parameters],
        },
        { partitionKey: POISON_PARTITION },
      )
      .fetchAll()
      .then(({ resources }) => resources);
  const snapshots = new Map(
    options.poisonContainers.map((container) => [
      container,
      sharedSnapshot(async () => {
        const rows = await poisonQuery(container, "", [], `TOP ${POISON_SNAPSHOT_LIMIT + 1}`);
        return rows.length > POISON_SNAPSHOT_LIMIT ? ("tooMany" as const) : rows;
      }, INCIDENT_SNAPSHOT_MS, options.now),
    ]),
  );
  return {
    deadLettersOf: async (flow) => (options.deadLetters ? options.deadLetters(flow) : null),
    async poisonOf(correlationId) {
      if (options.poisonContainers.length === 0) return null;
      try {
        const perContainer = await Promise.all(
          options.poisonContainers.map(async (container) => {
            const snapshot = await snapshots.get(container)!();
            const rows =
              snapshot === "tooMany"
                ? await poisonQuery(container, " AND c.event.correlationid = @correlationId", [{ name: "@correlationId", value: correlationId }])
                : snapshot.filter((p) => record(p.event).correlationid === correlationId);
            return rows.map((p) => poisonView(container, p));
          }),
        );
        return perContainer.flat();
      } catch {
        return null;
      }
    },
  };
};
