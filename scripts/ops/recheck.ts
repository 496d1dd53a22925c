import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/identity";
import { TopicName, isEventType, topicNames } from "../../src/events/catalog";
import { settingPrefixOf, shardNameOf } from "../../src/events/topicShards";
import { CloudEventEnvelope } from "../../src/events/envelope";
import { REDACTED } from "../../src/events/redaction";
import { eventsOf } from "../../src/platform/reactions/parsing";
import { EventPublisher, TopicSender, createEventGridPublisher, sdkTopicSender } from "../../src/platform/publisher";

export type Recheck = { readonly ok: true; readonly event: CloudEventEnvelope } | { readonly ok: false; readonly reason: string };

/**
 * Checks a parked or dead-lettered event against the catalog's schema as it is now, so a replay never publishes
 * what today's consumers would park as poison. The event is kept as it was (same id, data, correlation, trace).
 */
export const recheckEvent = (raw: unknown): Recheck => {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !isEventType(type)) {
    return { ok: false, reason: `unknown event type ${JSON.stringify(type ?? null).slice(0, 100)}` };
  }
  const redacted = firstRedactedPath((raw as { data?: unknown }).data, "data");
  if (redacted) {
    return { ok: false, reason: `${redacted} was redacted when the event was parked: the original value is gone, so its producer must send it again` };
  }
  const parsed = eventsOf(type).parse(raw);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  return { ok: true, event: { ...parsed.event, data: (raw as { data?: unknown }).data } };
};

/** The first place where a poison record's copy withheld a value (src/platform/poisonRedaction.ts); bounded depth. */
const firstRedactedPath = (value: unknown, path: string, depth = 0): string | undefined => {
  if (value === REDACTED) return path;
  if (typeof value !== "object" || value === null || depth > 32) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = firstRedactedPath(inner, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
};

/**
 * A publisher for the operator's tools, configured like the apps: `EVENTGRID_<TOPIC>[_<SHARD>]__topicEndpointUri`
 * (+ `__key` for the local emulator), else azd's `EVENTGRID_TOPIC_ENDPOINTS` output (a JSON object shard → endpoint)
 * with Entra ID, else the local emulator's defaults (one shard per topic). It spreads events over the shards it finds
 * as the apps do, so a replayed flow lands on its own shard.
 */
export const publisherFromEnvironment = (env: NodeJS.ProcessEnv, credential: () => TokenCredential): EventPublisher => {
  const azdEndpoints = parseJsonObject(env.EVENTGRID_TOPIC_ENDPOINTS);
  const eventGridPort = env.EVENTGRID_PORT?.trim() || "7075";
  const senderOf = (shard: string): TopicSender | undefined => {
    const prefix = settingPrefixOf(shard);
    const explicit = env[`${prefix}__topicEndpointUri`]?.trim();
    const endpoint = explicit || azdEndpoints[shard];
    if (!endpoint) return undefined;
    const key = env[`${prefix}__key`]?.trim();
    return sdkTopicSender(
      new EventGridPublisherClient(endpoint, "CloudEvent", key ? new AzureKeyCredential(key) : credential(), {
        allowInsecureConnection: endpoint.startsWith("http://127.0.0.1") || endpoint.startsWith("http://localhost"),
      }),
    );
  };
  const clients: Partial<Record<TopicName, TopicSender[]>> = {};
  for (const topic of topicNames) {
    const shards: TopicSender[] = [];
    for (let sender = senderOf(shardNameOf(topic, 0)); sender; sender = senderOf(shardNameOf(topic, shards.length))) shards.push(sender);
    clients[topic] =
      shards.length > 0
        ? shards
        : [sdkTopicSender(new EventGridPublisherClient(`http://127.0.0.1:${eventGridPort}/${topic}/api/events`, "CloudEvent", new AzureKeyCredential("local-eventgrid-key"), { allowInsecureConnection: true }))];
  }
  return createEventGridPublisher(clients);
};

const parseJsonObject = (text: string | undefined): Record<string, string> => {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
};
