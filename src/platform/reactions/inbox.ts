import { CloudEventEnvelope } from "../../events/envelope";
import { EventPublisher } from "../publisher";
import { DocumentStore, StoredDocument } from "../store";

/**
 * The record that a reaction handled a delivery, committed with its decision, carrying the events the decision
 * published: the delivery is acknowledged to Event Grid only once they are published, so a delivery that finds its
 * record (the create conflicts) publishes them again. Nothing marks them sent.
 */
export interface InboxDocument extends StoredDocument {
  /** Its id names the reaction and the event (`inboxDocumentId`); when it was handled is the record's `_ts`. */
  readonly kind: "inbox";
  /** What the decision published; absent when it published nothing. */
  readonly events?: readonly CloudEventEnvelope[];
}

/** Inbox records must outlive Event Grid's retry window (24 h by default) to catch every redelivery. */
export const INBOX_TTL_SECONDS = 7 * 24 * 3600;

/** The id of the record of one delivery to one reaction. */
export const inboxDocumentId = (reaction: string, eventId: string): string => `inbox:${reaction}:${eventId}`;

export const inboxRecord = (id: string, pk: string, events: readonly CloudEventEnvelope[]): InboxDocument => ({
  id,
  pk,
  kind: "inbox",
  ...(events.length > 0 ? { events } : {}),
  ttl: INBOX_TTL_SECONDS,
});

/**
 * For a delivery handled before (its inbox record exists), but perhaps never acknowledged: the process may have died
 * between the commit and the publish (Event Grid then redelivers), so what the record carries is published again, with
 * the same event ids; consumers dedupe them. Returns how many events it published, or undefined when there is no record.
 */
export const republishRecorded = async (
  deps: { readonly store: DocumentStore; readonly publisher: EventPublisher },
  pk: string,
  inboxId: string,
): Promise<number | undefined> => {
  const record = await deps.store.readDocument<InboxDocument>(inboxId, pk);
  if (!record) return undefined;
  const events = record.events ?? [];
  if (events.length > 0) await deps.publisher.publishEvents(events);
  return events.length;
};
