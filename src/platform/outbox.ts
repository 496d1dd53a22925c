import { CloudEventEnvelope } from "../events/envelope";
import { EventPublisher } from "./publisher";
import { DocumentStore, StoredDocument, stripSystemProperties } from "./store";

/**
 * The events of one decision, committed with the state change that caused them and published after the commit, in
 * one document: one create and one mark-sent per decision however many events it published. A reaction's outbox
 * document is also its inbox record: its id is the inbox id of the delivery (see `deliveryRecordId`), so a redelivery's
 * commit conflicts on it whatever it decides the second time.
 */
export interface OutboxDocument extends StoredDocument {
  readonly kind: "outbox";
  readonly events: readonly CloudEventEnvelope[];
  readonly sentAt?: string;
}

/** Written before events of one decision shared one document: one event per document. Still read and relayed. */
interface LegacyOutboxDocument extends StoredDocument {
  readonly kind: "outbox";
  readonly event: CloudEventEnvelope;
  readonly sentAt?: string;
}

export type StoredOutboxDocument = OutboxDocument | LegacyOutboxDocument;

/** Long enough to outlive Event Grid's 24 h retry window, short enough not to keep sent events forever. */
export const SENT_OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

/** The outbox id of events that no delivery caused (a flow started from HTTP, a timer's decision): its first event's. */
export const outboxDocumentId = (eventId: string): string => `outbox:${eventId}`;

export const toOutboxDocument = (id: string, pk: string, events: readonly CloudEventEnvelope[]): OutboxDocument => ({
  id,
  pk,
  kind: "outbox",
  events,
});

const isLegacy = (document: StoredOutboxDocument): document is LegacyOutboxDocument => !Array.isArray(document.events);

export const eventsOfOutbox = (document: StoredOutboxDocument): readonly CloudEventEnvelope[] =>
  isLegacy(document) ? [document.event] : document.events;

/**
 * Publishes committed outbox documents that are still unsent, then marks them sent (one batch). A crash in between
 * re-publishes (consumers dedupe by event id). Returns how many events it published.
 */
export const publishOutbox = async (
  store: DocumentStore,
  publisher: EventPublisher,
  pk: string,
  documents: readonly StoredOutboxDocument[],
  now: Date,
): Promise<number> => {
  const pending = documents.filter((d) => d.sentAt === undefined);
  const events = pending.flatMap(eventsOfOutbox);
  if (events.length === 0) return 0;
  await publisher.publishEvents(events);
  await store.commit(
    pk,
    pending.map((d) => ({
      op: "upsert" as const,
      document: { ...stripSystemProperties(d), sentAt: now.toISOString(), ttl: SENT_OUTBOX_TTL_SECONDS },
    })),
  );
  return events.length;
};

/** Re-publishes what the outbox documents of these ids in one partition hold unsent (on a repeat of its cause). */
export const publishPendingOutboxOfPartition = async (
  store: DocumentStore,
  publisher: EventPublisher,
  pk: string,
  ids: readonly string[],
  now: Date,
): Promise<number> => {
  const documents = (await Promise.all(ids.map((id) => store.readDocument<StoredOutboxDocument>(id, pk)))).filter(
    (d): d is NonNullable<typeof d> => d !== undefined && d.kind === "outbox",
  );
  return publishOutbox(store, publisher, pk, documents, now);
};

/**
 * The relay: finds entries left unsent (the process died between commit and publish, or Event Grid was down when an
 * HTTP command committed) and publishes them. In Azure a change-feed trigger could do this; a timer works on every
 * store, including the local Cosmos-protocol server, which has no change feed. Returns how many events it published.
 */
export const relayPendingOutbox = async (
  store: DocumentStore,
  publisher: EventPublisher,
  options: { now: Date; olderThanInMs: number },
): Promise<number> => {
  const cutoff = new Date(options.now.getTime() - options.olderThanInMs).toISOString();
  const pending = await store.queryDocuments<StoredOutboxDocument>(
    undefined,
    "c.kind = 'outbox' AND NOT IS_DEFINED(c.sentAt) AND (c.events[0].time <= @cutoff OR c.event.time <= @cutoff)",
    [{ name: "@cutoff", value: cutoff }],
  );
  const byPartition = new Map<string, StoredOutboxDocument[]>();
  for (const d of pending) byPartition.set(d.pk, [...(byPartition.get(d.pk) ?? []), d]);
  let published = 0;
  for (const [pk, documents] of byPartition) published += await publishOutbox(store, publisher, pk, documents, options.now);
  return published;
};
