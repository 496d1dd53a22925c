import { z } from "zod";
import { CloudEventEnvelope } from "../../events/envelope";
import { queryValid } from "../../platform/documentSchema";
import { NotFoundError } from "../../platform/errors";
import { createLruMap } from "../../platform/lruMap";
import { DocumentStore, Versioned } from "../../platform/store";
import { causalOrder } from "./causalOrder";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, flowSummaryDocumentSchema, summaryOfEvents } from "./flowSummary";
import { JournalEntryDocument, journalEntryDocumentSchema } from "./documents";

const flowDocumentSchema = z.discriminatedUnion("kind", [journalEntryDocumentSchema, flowSummaryDocumentSchema]);

/**
 * A flow's journaled (redacted) events in causal order and its summary: one query of the flow's own partition, which
 * holds both (a single-partition query in Azure, whatever the number of flows).
 */
export const readFlow = async (
  store: DocumentStore,
  correlationId: string,
  ttlSeconds: number,
): Promise<{ events: CloudEventEnvelope[]; summary: FlowSummaryDocument; stored: Versioned<FlowSummaryDocument> | undefined }> => {
  const documents = await queryValid(
    store,
    flowDocumentSchema,
    correlationId,
    "c.kind = 'journalEntry' OR (c.kind = 'flowSummary' AND c.id = @summaryId)",
    [{ name: "@summaryId", value: FLOW_SUMMARY_ID }],
  );
  const entries = documents.filter((d): d is Versioned<JournalEntryDocument> => d.kind === "journalEntry");
  const stored = documents.find((d): d is Versioned<FlowSummaryDocument> => d.kind === "flowSummary");
  if (entries.length === 0) throw new NotFoundError("FLOW.NOT_FOUND", `No events are recorded for correlation id ${correlationId}`);
  const events = causalOrder(entries.map((e) => e.event));
  // Every entry is committed with its flow's summary; only a batch the local Cosmos server did not apply atomically
  // leaves entries without one, and their events say the same.
  const summary = stored ?? summaryOfEvents(events, ttlSeconds)!;
  return { events, summary, stored };
};

/**
 * A flow's events as a process last read them, with its summary as validated then (its `_etag` names the version),
 * and the events as JSON (the larger part of a view's bytes, serialized once per version of the flow).
 */
interface CachedFlow {
  readonly events: CloudEventEnvelope[];
  readonly summary: Versioned<FlowSummaryDocument>;
  readonly eventsJson: string;
}

/**
 * The flows a process showed last (least recently used first out past `capacity`). A flow's entries are written only
 * in the same batch as a replace of its summary, so while the summary keeps its ETag the entries are the ones read:
 * a view then costs one point read instead of the partition query (and the query plan `@azure/cosmos` asks for beside
 * it). `maxAgeMs` bounds how long entries that expire on their own (TTL, which leaves the summary alone) can be shown.
 */
export interface FlowViewCache {
  get(correlationId: string): CachedFlow | undefined;
  set(correlationId: string, flow: CachedFlow): void;
}

export const createFlowViewCache = (capacity = 1000, maxAgeMs = 10 * 60_000, now: () => number = Date.now): FlowViewCache => {
  const flows = createLruMap<CachedFlow & { readonly at: number }>(capacity);
  return {
    get(correlationId) {
      const flow = flows.get(correlationId);
      return flow && now() - flow.at <= maxAgeMs ? flow : undefined;
    },
    set: (correlationId, flow) => flows.set(correlationId, { ...flow, at: now() }),
  };
};

/**
 * `readFlow`, answered from `cache` while the flow's summary keeps the ETag it had when its events were read (the
 * summary is then the document validated then: same ETag, same bytes), with the events as JSON.
 */
export const readFlowCached = async (
  store: DocumentStore,
  cache: FlowViewCache | undefined,
  correlationId: string,
  ttlSeconds: number,
): Promise<Awaited<ReturnType<typeof readFlow>> & { readonly eventsJson: string }> => {
  const cached = cache?.get(correlationId);
  if (cached) {
    const current = await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, correlationId);
    if (current && current._etag === cached.summary._etag) return { events: cached.events, summary: cached.summary, stored: cached.summary, eventsJson: cached.eventsJson };
  }
  const flow = await readFlow(store, correlationId, ttlSeconds);
  const eventsJson = JSON.stringify(flow.events);
  // Without a stored summary there is nothing to check the entries by: such a flow is read every time.
  if (cache && flow.stored) cache.set(correlationId, { events: flow.events, summary: flow.stored, eventsJson });
  return { ...flow, eventsJson };
};
