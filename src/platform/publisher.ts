import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/identity";
import { CloudEventEnvelope } from "../events/envelope";
import { TopicName, eventCatalog, isEventType } from "../events/catalog";
import { AppConfig } from "./config";

/** Publishes CloudEvents to the topic that owns each event type. */
export interface EventPublisher {
  publishEvents(events: readonly CloudEventEnvelope[], options?: { abortSignal?: AbortSignal }): Promise<void>;
}

export type TopicClient = Pick<EventGridPublisherClient<"CloudEvent">, "send">;

/** Event Grid accepts ≤ 1 MB and ≤ 5,000 events per request; outbox batches are far smaller, so chunk by count only. */
const MAX_EVENTS_PER_REQUEST = 500;

export const createEventGridPublisher = (clients: Readonly<Partial<Record<TopicName, TopicClient>>>): EventPublisher => ({
  async publishEvents(events, options) {
    const byTopic = new Map<TopicName, CloudEventEnvelope[]>();
    for (const event of events) {
      if (!isEventType(event.type)) throw new Error(`Cannot publish unknown event type ${event.type}`);
      const topic = eventCatalog[event.type].topic;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), event]);
    }
    for (const [topic, batch] of byTopic) {
      const client = clients[topic];
      if (!client) throw new Error(`No Event Grid topic configured for "${topic}" (EVENTGRID_${topic.toUpperCase()}__topicEndpointUri)`);
      for (let i = 0; i < batch.length; i += MAX_EVENTS_PER_REQUEST) {
        await client.send(
          batch.slice(i, i + MAX_EVENTS_PER_REQUEST).map((e) => ({
            id: e.id,
            type: e.type,
            source: e.source,
            subject: e.subject,
            time: new Date(e.time),
            data: e.data,
            datacontenttype: "application/json",
            extensionAttributes: {
              correlationid: e.correlationid,
              ...(e.causationid ? { causationid: e.causationid } : {}),
              ...(e.traceparent ? { traceparent: e.traceparent } : {}),
            },
          })),
          { abortSignal: options?.abortSignal },
        );
      }
    }
  },
});

/** Key credential for the local emulator; Entra ID (DefaultAzureCredential) in Azure, where topics disable keys. */
export const createTopicClients = (
  config: AppConfig,
  credential: () => TokenCredential,
): Partial<Record<TopicName, TopicClient>> => {
  const clients: Partial<Record<TopicName, TopicClient>> = {};
  for (const [topic, settings] of Object.entries(config.topics) as [TopicName, AppConfig["topics"][TopicName]][]) {
    if (!settings) continue;
    clients[topic] = new EventGridPublisherClient(
      settings.endpoint,
      "CloudEvent",
      settings.key ? new AzureKeyCredential(settings.key) : credential(),
      { allowInsecureConnection: config.ALLOW_INSECURE_CONNECTIONS },
    );
  }
  return clients;
};
