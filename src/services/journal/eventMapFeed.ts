import type { Container, Database } from "@azure/cosmos";
import { FlowName } from "../../flows";
import { POISON_PARTITION } from "../../platform/reactions/poison";
import { DocumentStore } from "../../platform/store";
import { EventMapWindow, LATE_COMMIT_SECONDS, MapEntry, MapIncident, MapWindowView, createEventMapWindow, edgeOfPoison, edgeOfSubscription, stalledEdgesOf } from "./eventMap";
import { sharedSnapshot } from "./flowIncidents";
import { waitingFor } from "./flowStatus";
import { FlowIndex } from "./flowIndex";
import { FlowStep } from "./flowSteps";
import { journalEntryId } from "./documents";

/**
 * Where the event map's numbers come from, and what they cost.
 *
 * Per refresh (at most one per REFRESH_MS per host instance, and only while someone is looking: a view that finds the
 * window fresher than that reads memory only), shared by every reader of the instance:
 *   - one cross-partition query of the journal for the entries stored since the last refresh (`_ts` ≥ the last one
 *     seen minus LATE_COMMIT_SECONDS, because a batch committed a moment earlier on another replica can become visible
 *     after a later one; entries already in memory are skipped), projected to the seven fields the map needs;
 *   - a point read of `event:<causationid>` in the flow's partition for an effect whose cause is not in memory
 *     (recorded more than CAUSE_MEMORY_MS before it, or never);
 *   - every INCIDENT_REFRESH_MS: the stalled flows (one TOP 500 query of the summaries, as the listing does, and one
 *     projected single-partition query of each stalled flow's entries for what it waits for), the
 *     poison records of each configured container (one query each, parked in the window) and, locally, the Event Grid
 *     emulator's dead letters and delivery attempts.
 * So the cost grows with the events recorded (each entry is read about once per instance that serves the map, plus
 * those re-read in the late-commit margin) and not with readers: a thousand readers of one instance cost what one
 * does. A new instance reads the last BACKFILL_MS once; its longer windows fill as it lives (`coverageFrom` says so).
 *
 * At 1M flows a day (~6 events a flow: ~6M entries a day, ~70/s): a refresh every 5 s returns ~350 new entries and
 * re-reads ~350 in the margin, ~0.25 KB each projected, ~175 KB: at most ~175 RU at the point-read rate of 1 RU per KB
 * (a query costs less per document), so ≤ ~35 RU/s per instance while the map is open and nothing while it is not —
 * against ~700 RU/s the journal spends writing those events. Poison and stalled queries add ~15 light queries per 30 s.
 * A new instance's backfill of 10 minutes reads ~42,000 entries (~10 MB, ≤ ~10,000 RU, paged) once. Memory per
 * instance: the causes kept for pairing (15 minutes, ~63,000 events at ~250 bytes: ~16 MB) and the minute buckets of
 * 24 h (1,440 minutes × 29 edges, each a count, a sparse latency histogram of ~20 bins and ≤ 10 correlation ids,
 * ≤ ~2 KB: ≤ ~80 MB): under 100 MB of a 2,048 MB Flex instance. Per-edge documents written by the journal's reaction
 * instead would add a replace (≥ 5 RU, and a hot document per edge contended by every instance) to every event.
 */
export const REFRESH_MS = 5_000;
export const INCIDENT_REFRESH_MS = 30_000;
export const BACKFILL_MS = 10 * 60_000;
export const STALLED_FLOWS_READ = 500;
const POISON_READ_LIMIT = 1_000;
const INCIDENT_READ_TIMEOUT_MS = 2_000;

/** The journal entries stored at or after `sinceTs` (Cosmos `_ts`, seconds), and one entry by its event id. */
export interface JournalEntryFeed {
  entriesSince(sinceTs: number): Promise<MapEntry[]>;
  readCause(eventId: string, correlationId: string): Promise<{ type: string; timeMs: number } | undefined>;
}

interface EntryRow {
  readonly pk?: unknown;
  readonly _ts?: unknown;
  readonly recordedAt?: unknown;
  readonly event?: { readonly id?: unknown; readonly type?: unknown; readonly source?: unknown; readonly time?: unknown; readonly causationid?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const toMapEntry = (row: EntryRow): MapEntry | undefined => {
  const id = str(row.event?.id);
  const type = str(row.event?.type);
  const correlationId = str(row.pk);
  const ts = typeof row._ts === "number" ? row._ts : Math.floor(Date.parse(str(row.recordedAt) ?? "") / 1000);
  if (!id || !type || !correlationId || !Number.isFinite(ts)) return undefined;
  // A publisher's clock far off its commit time is not believed: the entry counts when it was stored.
  const time = Date.parse(str(row.event?.time) ?? "");
  const timeMs = Number.isFinite(time) && Math.abs(time - ts * 1000) < 24 * 3_600_000 ? time : ts * 1000;
  const causationId = str(row.event?.causationid);
  return { id, type, source: str(row.event?.source) ?? "", correlationId, timeMs, ts, ...(causationId ? { causationId } : {}) };
};

/** The journal container itself: the entry query projected to what the map reads (not the events' data). */
export const cosmosEntryFeed = (container: () => Container): JournalEntryFeed => ({
  async entriesSince(sinceTs) {
    const { resources } = await container()
      .items.query<EntryRow>({
        query:
          "SELECT c.pk, c._ts, c.recordedAt, {\"id\": c.event.id, \"type\": c.event.type, \"source\": c.event.source, \"time\": c.event.time, \"causationid\": c.event.causationid} AS event FROM c WHERE c.kind = 'journalEntry' AND c._ts >= @since",
        parameters: [{ name: "@since", value: sinceTs }],
      })
      .fetchAll();
    return resources.flatMap((r) => toMapEntry(r) ?? []);
  },
  readCause: async (eventId, correlationId) => causeOf(await container().item(journalEntryId(eventId), correlationId).read<EntryRow>().then((r) => r.resource, () => undefined)),
});

const causeOf = (row: EntryRow | undefined) => {
  const entry = row ? toMapEntry(row) : undefined;
  return entry ? { type: entry.type, timeMs: entry.timeMs } : undefined;
};

/** Through the DocumentStore port (whole entries; for tests with the in-memory store). */
export const storeEntryFeed = (store: DocumentStore): JournalEntryFeed => ({
  async entriesSince(sinceTs) {
    const rows = await store.queryDocuments(undefined, "c.kind = 'journalEntry' AND c._ts >= @since", [{ name: "@since", value: sinceTs }]);
    return rows.flatMap((r) => toMapEntry(r as EntryRow) ?? []);
  },
  readCause: async (eventId, correlationId) => causeOf((await store.readDocument(journalEntryId(eventId), correlationId))),
});

/** Incidents of the whole system (not of one flow), each placed on its edge; `null` for a source not known here. */
export interface MapIncidentSource {
  deadLetters(): Promise<MapIncident[] | null>;
  failedDeliveries(): Promise<MapIncident[] | null>;
  poison(sinceMs: number): Promise<MapIncident[] | null>;
}

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
const timeOf = (...values: unknown[]): number => values.map((v) => Date.parse(str(v) ?? "")).find(Number.isFinite) ?? 0;

/**
 * Locally, the Event Grid emulator's `GET /dead-letters` and `GET /deliveries` (its last 10,000 attempts). In Azure
 * failed attempts are Event Grid metrics the journal does not read (`null`), and dead letters are blobs this map does
 * not list yet (`null`: a flow's view still shows its own).
 */
export const emulatorIncidents = (deadLettersUrl: string | undefined, fetchImpl: typeof fetch = fetch): Pick<MapIncidentSource, "deadLetters" | "failedDeliveries"> => {
  const list = async (url: string): Promise<Record<string, unknown>[] | null> => {
    try {
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(INCIDENT_READ_TIMEOUT_MS) });
      const body: unknown = response.ok ? await response.json() : null;
      return Array.isArray(body) ? body.map(record) : null;
    } catch {
      return null;
    }
  };
  if (!deadLettersUrl) return { deadLetters: async () => null, failedDeliveries: async () => null };
  const deliveriesUrl = deadLettersUrl.replace(/\/dead-letters\/?$/, "/deliveries");
  return {
    async deadLetters() {
      const all = await list(deadLettersUrl);
      return (
        all?.flatMap((d) => {
          const event = record(d.event);
          const edge = edgeOfSubscription(str(d.subscription) ?? "", str(event.type) ?? "");
          // A dead letter redelivered since is no longer lost.
          return edge && !d.redeliveredAt ? [{ kind: "deadLetter" as const, edge, correlationId: str(event.correlationid), timeMs: timeOf(d.lastDeliveryAttemptTime, d.publishTime) }] : [];
        }) ?? null
      );
    },
    async failedDeliveries() {
      if (deliveriesUrl === deadLettersUrl) return null;
      const all = await list(deliveriesUrl);
      return (
        all?.flatMap((d) => {
          const edge = d.outcome !== "Succeeded" ? edgeOfSubscription(str(d.subscription) ?? "", str(d.eventType) ?? "") : undefined;
          // An attempt names its event, not its flow: the flow is found from the journal's memory by the view.
          return edge ? [{ kind: "failedDelivery" as const, edge, correlationId: undefined, timeMs: timeOf(d.time) }] : [];
        }) ?? null
      );
    },
  };
};

/** The poison records of each container parked since the window's start: one query per container, ≤ 1,000 rows. */
export const cosmosPoison = (database: () => Database, containers: readonly string[]): MapIncidentSource["poison"] => async (sinceMs) => {
  if (containers.length === 0) return null;
  try {
    const perContainer = await Promise.all(
      containers.map(async (name) => {
        const { resources } = await database()
          .container(name)
          .items.query<{ reaction?: unknown; parkedAt?: unknown; event?: unknown }>(
            {
              query: `SELECT TOP ${POISON_READ_LIMIT} c.reaction, c.parkedAt, {"type": c.event.type, "correlationid": c.event.correlationid} AS event FROM c WHERE c.pk = @pk AND c.kind = 'poison' AND c.parkedAt >= @since`,
              parameters: [
                { name: "@pk", value: POISON_PARTITION },
                { name: "@since", value: new Date(sinceMs).toISOString() },
              ],
            },
            { partitionKey: POISON_PARTITION },
          )
          .fetchAll();
        return resources.flatMap((p) => {
          const event = record(p.event);
          const edge = edgeOfPoison(name, str(p.reaction) ?? "", str(event.type));
          return edge ? [{ kind: "poison" as const, edge, correlationId: str(event.correlationid), timeMs: timeOf(p.parkedAt) }] : [];
        });
      }),
    );
    return perContainer.flat();
  } catch {
    return null;
  }
};

/** A flow stalled now, with its steps (what it waits for is computed from them). */
export interface StalledFlow {
  readonly correlationId: string;
  readonly flow: FlowName;
  readonly steps: readonly FlowStep[];
}

export interface EventMapSources {
  readonly entries: JournalEntryFeed;
  readonly incidents: MapIncidentSource;
  stalledFlows(now: Date): Promise<StalledFlow[]>;
}

/** The stalled flows from the summaries, and each one's steps from its entries. */
export const stalledFlowsFrom =
  (flowIndex: FlowIndex) =>
  async (now: Date): Promise<StalledFlow[]> => {
    const summaries = await flowIndex.listFlowSummaries({ status: "stalled", limit: STALLED_FLOWS_READ, now });
    return Promise.all(summaries.map(async (s) => ({ correlationId: s.pk, flow: s.flow, steps: await flowIndex.listFlowSteps(s.pk) })));
  };

/** The map of one host instance: refreshed on demand, at most once per REFRESH_MS, shared by every reader. */
export interface EventMap {
  view(windowMs: number): Promise<MapWindowView & { readonly refreshedAtMs: number }>;
}

export const createEventMap = (sources: EventMapSources, now: () => number = Date.now): EventMap => {
  let window: EventMapWindow | undefined;
  let refreshedAtMs = 0;
  const refreshIncidents = sharedSnapshot(
    async () => {
      const at = now();
      const [deadLetters, failedDeliveries, poison, stalled] = await Promise.all([
        sources.incidents.deadLetters(),
        sources.incidents.failedDeliveries(),
        sources.incidents.poison(at - 24 * 3_600_000),
        sources.stalledFlows(new Date(at)).catch(() => []),
      ]);
      return { incidents: { deadLetters, failedDeliveries, poison }, stalled };
    },
    INCIDENT_REFRESH_MS,
    now,
  );
  const refresh = sharedSnapshot(
    async () => {
      const at = now();
      window ??= createEventMapWindow(at - BACKFILL_MS);
      const current = window;
      const [entries, { incidents, stalled }] = await Promise.all([sources.entries.entriesSince(Math.max(0, current.lastTs - LATE_COMMIT_SECONDS)), refreshIncidents()]);
      await current.add(entries, (id, pk) => sources.entries.readCause(id, pk), at);
      current.setIncidents(incidents);
      current.setStalled(
        stalled.map((s) => ({ correlationId: s.correlationId, edges: stalledEdgesOf(waitingFor(s.flow, s.steps), s.steps.map((step) => step.type)) })),
      );
      refreshedAtMs = at;
    },
    REFRESH_MS,
    now,
  );
  return {
    async view(windowMs) {
      await refresh();
      return { ...window!.view(windowMs, now()), refreshedAtMs };
    },
  };
};
