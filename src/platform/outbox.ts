import { CloudEventEnvelope } from "../events/envelope";
import { EventPublisher } from "./publisher";
import { DocumentStore, StoredDocument, stripSystemProperties } from "./store";

/** An event committed with the state change that caused it, published after the commit. */
export interface OutboxDocument extends StoredDocument {
  readonly kind: "outbox";
  readonly event: CloudEventEnvelope;
  readonly sentAt?: string;
}

/** Long enough to outlive Event Grid's 24 h retry window, short enough not to keep sent events forever. */
export const SENT_OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

export const outboxDocumentId = (eventId: string): string => `outbox:${eventId}`;

export const toOutboxDocument = (pk: string, event: CloudEventEnvelope): OutboxDocument => ({
  id: outboxDocumentId(event.id),
  pk,
  kind: "outbox",
  event,
});

/** Publishes committed outbox entries, then marks them sent. A crash in between re-publishes (consumers dedupe by id). */
export const publishOutbox = async (
  store: DocumentStore,
  publisher: EventPublisher,
  pk: string,
  documents: readonly OutboxDocument[],
  now: Date,
): Promise<void> => {
  const pending = documents.filter((d) => d.sentAt === undefined);
  if (pending.length === 0) return;
  await publisher.publishEvents(pending.map((d) => d.event));
  await store.commit(
    pk,
    pending.map((d) => ({
      op: "upsert" as const,
      document: { ...stripSystemProperties(d), sentAt: now.toISOString(), ttl: SENT_OUTBOX_TTL_SECONDS },
    })),
  );
};

/** Re-publishes outbox entries of one partition that are still unsent (used on redelivery of the causing event). */
export const publishPendingOutboxOfPartition = async (
  store: DocumentStore,
  publisher: EventPublisher,
  pk: string,
  ids: readonly string[],
  now: Date,
): Promise<number> => {
  const documents = (await Promise.all(ids.map((id) => store.readDocument<OutboxDocument>(id, pk)))).filter(
    (d): d is NonNullable<typeof d> => d !== undefined && d.sentAt === undefined,
  );
  await publishOutbox(store, publisher, pk, documents, now);
  return documents.length;
};

/**
 * The relay: finds entries left unsent (the process died between commit and publish, or Event Grid was down when an
 * HTTP command committed) and publishes them. In Azure a change-feed trigger could do this; a timer works on every
 * store, including the local Cosmos-protocol server, which has no change feed.
 */
export const relayPendingOutbox = async (
  store: DocumentStore,
  publisher: EventPublisher,
  options: { now: Date; olderThanInMs: number },
): Promise<number> => {
  const cutoff = new Date(options.now.getTime() - options.olderThanInMs).toISOString();
  const pending = await store.queryDocuments<OutboxDocument>(
    undefined,
    "c.kind = 'outbox' AND NOT IS_DEFINED(c.sentAt) AND c.event.time <= @cutoff",
    [{ name: "@cutoff", value: cutoff }],
  );
  const byPartition = new Map<string, OutboxDocument[]>();
  for (const d of pending) byPartition.set(d.pk, [...(byPartition.get(d.pk) ?? []), d]);
  for (const [pk, documents] of byPartition) await publishOutbox(store, publisher, pk, documents, options.now);
  return pending.length;
};
