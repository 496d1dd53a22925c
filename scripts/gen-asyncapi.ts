import { z } from "zod";
import { stringify } from "yaml";
import { EventType, eventCatalog, eventTypes, topicNames } from "../src/events/catalog";
import { singleShardLayout } from "../src/events/topicShards";
import { listSubscriptions, serviceNames, topicsPublishedBy } from "../src/topology";

/**
 * The AsyncAPI 3.0 description of the system, derived from the catalog (messages, owners, topics) and the manifest
 * (who receives what), so tools that speak AsyncAPI (viewers, code generators, contract tests) see what the code does.
 * One channel per Event Grid topic; one message per event type; one `send` operation per (publishing service, topic)
 * and one `receive` operation per Event Grid subscription, named like the subscription.
 */

/** Component keys must match ^[a-zA-Z0-9.\-_]+$; event types already do. */
const messageKey = (type: EventType): string => type;

/**
 * CloudEvents context attributes. Event Grid delivers CloudEvents in structured mode (the envelope is the JSON body and
 * `data` sits beside these attributes), so they are described as the message's headers, with `data` as its payload.
 */
const cloudEventHeaders = (type: EventType) => ({
  type: "object",
  required: ["specversion", "id", "source", "type", "time", "correlationid"],
  properties: {
    specversion: { type: "string", const: "1.0" },
    id: { type: "string", minLength: 1, maxLength: 200, description: "Unique per event; consumers use it as their idempotency key." },
    source: { type: "string", const: `/services/${eventCatalog[type].publisher}`, description: "The publishing service." },
    type: { type: "string", const: type },
    subject: { type: "string", maxLength: 500, description: "The business entity the event is about, e.g. `orders/{orderId}`." },
    time: { type: "string", format: "date-time" },
    correlationid: { type: "string", minLength: 1, maxLength: 200, description: "The business flow this event belongs to." },
    causationid: { type: "string", minLength: 1, maxLength: 200, description: "The id of the event that caused this one." },
    traceparent: {
      type: "string",
      pattern: "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
      description: "W3C trace context of the publishing span.",
    },
  },
});

const payloadSchema = (type: EventType) => {
  const schema = z.toJSONSchema(eventCatalog[type].schema, { unrepresentable: "any", io: "input", target: "draft-7" }) as Record<string, unknown>;
  // The schema format says which draft this is; a nested $schema would be a second, conflicting declaration.
  delete schema.$schema;
  return { schemaFormat: "application/schema+json;version=draft-07", schema };
};

const channelRef = (topic: string) => ({ $ref: `#/channels/${topic}` });
const channelMessageRef = (topic: string, type: EventType) => ({ $ref: `#/channels/${topic}/messages/${messageKey(type)}` });

export const renderAsyncApi = (): string => {
  const channels = Object.fromEntries(
    topicNames.map((topic) => [
      topic,
      {
        address: topic,
        title: `Event Grid topic ${topic}`,
        description: `Custom topic (CloudEvents 1.0 schema) for the ${topic} domain; one subscription per reaction, filtered by event type.`,
        messages: Object.fromEntries(
          eventTypes.filter((t) => eventCatalog[t].topic === topic).map((t) => [messageKey(t), { $ref: `#/components/messages/${messageKey(t)}` }]),
        ),
      },
    ]),
  );

  const sendOperations = serviceNames.flatMap((service) =>
    topicsPublishedBy(service).map((topic): [string, object] => [
      `${service}-publishes-to-${topic}`,
      {
        action: "send",
        title: `${service} publishes to ${topic}`,
        summary: `Event types owned by ${service} on topic ${topic}.`,
        channel: channelRef(topic),
        messages: eventTypes.filter((t) => eventCatalog[t].topic === topic && eventCatalog[t].publisher === service).map((t) => channelMessageRef(topic, t)),
      },
    ]),
  );

  // One receive operation per reaction and topic: the shards' copies of a subscription are one operation on one channel.
  const receiveOperations = listSubscriptions(singleShardLayout).map((s): [string, object] => [
    s.name,
    {
      action: "receive",
      title: s.functionName,
      summary: `Event Grid subscription ${s.name} delivers to the Function ${s.functionName}.`,
      channel: channelRef(s.topic),
      messages: (s.includedEventTypes ?? eventTypes.filter((t) => eventCatalog[t].topic === s.topic)).map((t) => channelMessageRef(s.topic, t)),
    },
  ]);

  const messages = Object.fromEntries(
    eventTypes.map((t) => [
      messageKey(t),
      {
        name: t,
        title: t,
        summary: eventCatalog[t].description,
        contentType: "application/json",
        headers: cloudEventHeaders(t),
        payload: payloadSchema(t),
        correlationId: { $ref: "#/components/correlationIds/businessFlow" },
        tags: [{ name: eventCatalog[t].topic }, { name: `owner:${eventCatalog[t].publisher}` }],
      },
    ]),
  );

  const document = {
    asyncapi: "3.0.0",
    info: {
      title: "Azure choreography: domain events",
      version: "1.0.0",
      description: [
        "Generated by `npm run gen:docs` from src/events/catalog.ts and src/topology.ts; do not edit by hand.",
        "Every event is a CloudEvent 1.0 in structured mode; a breaking change is a new `.vN` event type, never an edit.",
      ].join("\n"),
    },
    defaultContentType: "application/json",
    servers: {
      eventGrid: {
        host: "{topicName}.{region}-1.eventgrid.azure.net",
        pathname: "/api/events",
        protocol: "https",
        description: "An Event Grid custom topic; publishers authenticate with Entra ID (local auth is disabled).",
        variables: {
          topicName: { description: "The topic's resource name (see infra/main.bicep)." },
          region: { description: "Azure region of the topic." },
        },
      },
    },
    channels,
    operations: Object.fromEntries([...sendOperations, ...receiveOperations]),
    components: {
      messages,
      correlationIds: {
        businessFlow: {
          description: "Every event of one business flow (an order, a sign-up, a top-up) carries the id of the event that started it.",
          location: "$message.header#/correlationid",
        },
      },
    },
  };
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
};
