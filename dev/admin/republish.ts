import type { Database } from "@azure/cosmos";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { TopicName, eventCatalog, isEventType } from "../../src/events/catalog";
import { type OutboxDocument as StoredOutboxDocument, eventsOfOutbox, outboxDocumentId } from "../../src/platform/publishing/outbox";
import type { InboxDocument } from "../../src/platform/reactions/inbox";
import { services } from "../../src/topology";

/** A CloudEvent as the journal stored it: context attributes, `data` and flat extension attributes. */
export type StoredCloudEvent = { readonly id: string; readonly type: string; readonly time: string } & Readonly<Record<string, unknown>>;

/**
 * Publishes a copy of each event to its topic with the real publisher client, as Event Grid's at-least-once delivery
 * may deliver an event again. Returns how many were published; does not wait for their deliveries.
 */
export const republishEvents = async (
  topicEndpoint: (topic: TopicName) => string,
  topicKey: string,
  events: readonly StoredCloudEvent[],
): Promise<number> => {
  const byTopic = new Map<TopicName, StoredCloudEvent[]>();
  for (const e of events) {
    if (!isEventType(e.type)) throw new Error(`unknown event type ${e.type}`);
    const topic = eventCatalog[e.type].topic;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), e]);
  }
  for (const [topic, batch] of byTopic) {
    const client = new EventGridPublisherClient(topicEndpoint(topic), "CloudEvent", new AzureKeyCredential(topicKey), { allowInsecureConnection: true });
    await client.send(
      batch.map((e) => {
        const { specversion: _v, id, type, source, subject, time, data, datacontenttype: _c, ...extensionAttributes } = e;
        return { id, type, source: String(source), subject: subject as string | undefined, time: new Date(time), data, extensionAttributes };
      }),
    );
  }
  return events.length;
};

/**
 * The events as their publishers sent them, from the publishers' outbox records: the journal keeps redacted copies
 * (no tokens, no email addresses), which would fail their schemas if sent again and test nothing but poison parking.
 */
export const eventsAsPublished = async (database: Database, events: readonly StoredCloudEvent[]): Promise<StoredCloudEvent[]> =>
  Promise.all(
    events.map(async (e) => {
      if (!isEventType(e.type)) throw new Error(`unknown event type ${e.type}`);
      const container = database.container(services[eventCatalog[e.type].publisher].container);
      // A flow's first event has an outbox document of its own id; a reaction's events ride in the inbox record of the
      // delivery that caused them. Both are found by the flow's correlation id (one flow holds a few).
      const { resources } = await container.items
        .query<StoredOutboxDocument | InboxDocument>({
          query:
            "SELECT * FROM c WHERE (c.kind = 'outbox' AND (c.id = @id OR c.events[0].correlationid = @correlationId)) " +
            "OR (c.kind = 'inbox' AND c.events[0].correlationid = @correlationId)",
          parameters: [
            { name: "@id", value: outboxDocumentId(e.id) },
            { name: "@correlationId", value: String(e.correlationid) },
          ],
        })
        .fetchAll();
      const published = resources.flatMap((d) => (d.kind === "outbox" ? eventsOfOutbox(d) : (d.events ?? [])));
      const original = published.find((candidate) => candidate.id === e.id);
      if (!original) throw new Error(`No record of ${e.type} ${e.id} in ${eventCatalog[e.type].publisher}: cannot send it again as published`);
      return original;
    }),
  );
