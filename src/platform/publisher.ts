import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/identity";
import { CloudEventEnvelope } from "../events/envelope";
import { TopicName, eventCatalog, isEventType } from "../events/catalog";
import { TopicSender, createCloudEventsTopicSender } from "./cloudEventsPublisher";
import { AppConfig } from "./config";

export type { TopicSender } from "./cloudEventsPublisher";

/** Publishes CloudEvents to the topic that owns each event type. */
export interface EventPublisher {
  publishEvents(events: readonly CloudEventEnvelope[], options?: { abortSignal?: AbortSignal }): Promise<void>;
}

export type TopicClient = Pick<EventGridPublisherClient<"CloudEvent">, "send">;

/** Outbox batches are small; chunking by count keeps the SDK's requests far under 1 MB. */
const SDK_MAX_EVENTS_PER_REQUEST = 500;

/**
 * A TopicSender over `EventGridPublisherClient`, kept to measure the thin sender against (docs/benchmark.md). The SDK
 * takes its own CloudEvent model: extensions apart, `time` as a Date.
 */
export const sdkTopicSender = (client: TopicClient): TopicSender => ({
  async sendEvents(events, options) {
    for (let i = 0; i < events.length; i += SDK_MAX_EVENTS_PER_REQUEST) {
      await client.send(
        events.slice(i, i + SDK_MAX_EVENTS_PER_REQUEST).map((e) => ({
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
  },
});

/** Groups events by their topic (from the catalog) and sends each topic's events together, in order. */
export const createEventGridPublisher = (senders: Readonly<Partial<Record<TopicName, TopicSender>>>): EventPublisher => ({
  async publishEvents(events, options) {
    const byTopic = new Map<TopicName, CloudEventEnvelope[]>();
    for (const event of events) {
      if (!isEventType(event.type)) throw new Error(`Cannot publish unknown event type ${event.type}`);
      const topic = eventCatalog[event.type].topic;
      const batch = byTopic.get(topic);
      if (batch) batch.push(event);
      else byTopic.set(topic, [event]);
    }
    for (const [topic, batch] of byTopic) {
      const sender = senders[topic];
      if (!sender) throw new Error(`No Event Grid topic configured for "${topic}" (EVENTGRID_${topic.toUpperCase()}__topicEndpointUri)`);
      await sender.sendEvents(batch, options);
    }
  },
});

/**
 * `thin` (the default) posts the CloudEvents as they are with fetch; `sdk` goes through `EventGridPublisherClient`.
 * Measured side by side by `npm run bench` (docs/benchmark.md). Key for the local emulator; Entra ID
 * (DefaultAzureCredential) in Azure, where topics disable keys.
 */
export type PublisherKind = "thin" | "sdk";

export const createTopicClients = (
  config: AppConfig,
  credential: () => TokenCredential,
  kind: PublisherKind = "thin",
): Partial<Record<TopicName, TopicSender>> => {
  const senders: Partial<Record<TopicName, TopicSender>> = {};
  for (const [topic, settings] of Object.entries(config.topics) as [TopicName, AppConfig["topics"][TopicName]][]) {
    if (!settings) continue;
    if (kind === "thin") {
      if (settings.endpoint.startsWith("http:") && !config.ALLOW_INSECURE_CONNECTIONS) {
        throw new Error(`Topic ${topic} has a plain http endpoint; only local emulators may use one (ALLOW_INSECURE_CONNECTIONS)`);
      }
      senders[topic] = createCloudEventsTopicSender({
        topic,
        endpoint: settings.endpoint,
        auth: settings.key ? { kind: "key", key: settings.key } : { kind: "entra", credential: credential() },
      });
    } else {
      senders[topic] = sdkTopicSender(
        new EventGridPublisherClient(settings.endpoint, "CloudEvent", settings.key ? new AzureKeyCredential(settings.key) : credential(), {
          allowInsecureConnection: config.ALLOW_INSECURE_CONNECTIONS,
        }),
      );
    }
  }
  return senders;
};
