import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/identity";
import { CloudEventEnvelope } from "../events/envelope";
import { TopicName, eventCatalog, isEventType } from "../events/catalog";
import { settingPrefixOf, shardIndexFor, shardNameOf } from "../events/topicShards";
import { TopicSender, createCloudEventsTopicSender } from "./cloudEventsPublisher";
import { AppConfig, TopicConfig } from "./config";

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

/** By topic, one sender per shard in shard order (src/events/topicShards.ts). */
export type TopicSenders = Readonly<Partial<Record<TopicName, readonly TopicSender[]>>>;

/**
 * Sends each event to its topic (from the catalog), on the shard of its flow (`shardIndexFor(correlationid)`), each
 * shard's events together and in order.
 */
export const createEventGridPublisher = (senders: TopicSenders): EventPublisher => ({
  async publishEvents(events, options) {
    const byShard = new Map<string, { sender: TopicSender; batch: CloudEventEnvelope[] }>();
    for (const event of events) {
      if (!isEventType(event.type)) throw new Error(`Cannot publish unknown event type ${event.type}`);
      const topic = eventCatalog[event.type].topic;
      const shards = senders[topic] ?? [];
      if (shards.length === 0) throw new Error(`No Event Grid topic configured for "${topic}" (${settingPrefixOf(topic)}__topicEndpointUri)`);
      const shard = shardIndexFor(event.correlationid, shards.length);
      const key = shardNameOf(topic, shard);
      const entry = byShard.get(key);
      if (entry) entry.batch.push(event);
      else byShard.set(key, { sender: shards[shard]!, batch: [event] });
    }
    for (const { sender, batch } of byShard.values()) await sender.sendEvents(batch, options);
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
): TopicSenders => {
  const senderOf = (topic: string, settings: TopicConfig): TopicSender => {
    if (kind === "sdk") {
      return sdkTopicSender(
        new EventGridPublisherClient(settings.endpoint, "CloudEvent", settings.key ? new AzureKeyCredential(settings.key) : credential(), {
          allowInsecureConnection: config.ALLOW_INSECURE_CONNECTIONS,
        }),
      );
    }
    if (settings.endpoint.startsWith("http:") && !config.ALLOW_INSECURE_CONNECTIONS) {
      throw new Error(`Topic ${topic} has a plain http endpoint; only local emulators may use one (ALLOW_INSECURE_CONNECTIONS)`);
    }
    return createCloudEventsTopicSender({
      topic,
      endpoint: settings.endpoint,
      auth: settings.key ? { kind: "key", key: settings.key } : { kind: "entra", credential: credential() },
    });
  };
  const senders: Partial<Record<TopicName, TopicSender[]>> = {};
  for (const [topic, shards] of Object.entries(config.topics) as [TopicName, readonly TopicConfig[] | undefined][]) {
    if (shards) senders[topic] = shards.map((settings, shard) => senderOf(shardNameOf(topic, shard), settings));
  }
  return senders;
};
