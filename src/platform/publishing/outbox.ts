import { CloudEventEnvelope } from "../../events/envelope";
import { EventPublisher } from "../publisher";
import { DocumentStore, StoredDocument, stripSystemProperties } from "../store";

/**
 * Events committed by something no delivery will retry — a flow started over HTTP, a timer's decision — in one
 * document per commit (one create and one mark-sent however many events), published after the commit and marked sent.
 * A reaction's events need none: they ride in its delivery's inbox record (see reactions/inbox.ts), which Event Grid's
 * redelivery publishes again.
 */
export interface OutboxDocument extends StoredDocument {
  readonly kind: "outbox";
  readonly events: readonly CloudEventEnvelope[];
  readonly sentAt?: string;
}

/** Long enough to outlive Event Grid's 24 h retry window, short enough not to keep sent events forever. */
export const SENT_OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

/** An outbox document is named after its first event. */
export const outboxDocumentId = (eventId: string): string => `outbox:${eventId}`;

export const toOutboxDocument = (pk: string, events: readonly [CloudEventEnvelope, ...CloudEventEnvelope[]]): OutboxDocument => ({
  id: outboxDocumentId(events[0].id),
  pk,
  kind: "outbox",
  events,
});

export const eventsOfOutbox = (document: OutboxDocument): readonly CloudEventEnvelope[] => document.events;

/**
 * Publishes committed outbox documents that are still unsent, then marks them sent (one batch). A crash in between
 * re-publishes (consumers dedupe by event id). Returns how many events it published.
 */
export const publishOutbox = async (
  store: DocumentStore,
  publisher: EventPublisher,
  pk: string,
  documents: readonly OutboxDocument[],
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

/** Re-publishes what the outbox documents of these ids in one partition hold unsent (on a repeat of their cause). */
export const publishPendingOutboxOfPartition = async (
  store: DocumentStore,
  publisher: EventPublisher,
  pk: string,
  ids: readonly string[],
  now: Date,
): Promise<number> => {
  const documents = (await Promise.all(ids.map((id) => store.readDocument<OutboxDocument>(id, pk)))).filter(
    (d): d is NonNullable<typeof d> => d !== undefined && d.kind === "outbox",
  );
  return publishOutbox(store, publisher, pk, documents, now);
};

/**
 * The relay: finds outbox documents left unsent (the process died between commit and publish, or Event Grid was down
 * when an HTTP command committed) and publishes them. In Azure a change-feed trigger could do this; a timer works on
 * every store, including the local Cosmos-protocol server, which has no change feed. Returns how many it published.
 */
export const relayPendingOutbox = async (
  store: DocumentStore,
  publisher: EventPublisher,
  options: { now: Date; olderThanInMs: number },
): Promise<number> => {
  const cutoff = new Date(options.now.getTime() - options.olderThanInMs).toISOString();
  const pending = await store.queryDocuments<OutboxDocument>(
    undefined,
    "c.kind = 'outbox' AND NOT IS_DEFINED(c.sentAt) AND c.events[0].time <= @cutoff",
    [{ name: "@cutoff", value: cutoff }],
  );
  const byPartition = new Map<string, OutboxDocument[]>();
  for (const d of pending) byPartition.set(d.pk, [...(byPartition.get(d.pk) ?? []), d]);
  let published = 0;
  for (const [pk, documents] of byPartition) published += await publishOutbox(store, publisher, pk, documents, options.now);
  return published;
};
