import { z } from "zod";
import { CloudEventEnvelope, DomainEvent, cloudEventEnvelopeSchema } from "../events/envelope";
import { EventData, EventType, eventCatalog } from "../events/catalog";
import { ReactionSpec, ServiceName, services } from "../topology";

/** A parsed event of one of the types `T`, discriminated on `type`. */
export type EventOf<T extends EventType> = T extends EventType ? DomainEvent<T, EventData<T>> : never;

type ReactionSpecOf<S extends ServiceName> = (typeof services)[S]["reactions"][number];

/** The names the manifest gives the reactions of service `S`. */
export type ReactionName<S extends ServiceName> = ReactionSpecOf<S>["name"];

type OnOf<S extends ServiceName, N extends ReactionName<S>> = Extract<ReactionSpecOf<S>, { readonly name: N }>["on"];

/**
 * The event a reaction receives, from its manifest entry alone: the union of its `on` types, or any CloudEvent for
 * `on: "all"` (the journal). `ReactionEvent<"inventory", "reserveStockWhenOrderPlaced">` = `EventOf<"Orders.OrderPlaced.v1">`.
 */
export type ReactionEvent<S extends ServiceName, N extends ReactionName<S>> =
  OnOf<S, N> extends readonly (infer T extends EventType)[] ? EventOf<T> : CloudEventEnvelope;

export type ParseResult<E> = { readonly ok: true; readonly event: E } | { readonly ok: false; readonly reason: string };

export interface EventParser<E> {
  parse(raw: unknown): ParseResult<E>;
}

const describe = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");

const parseEnvelope = (raw: unknown): ParseResult<CloudEventEnvelope> => {
  const envelope = cloudEventEnvelopeSchema.safeParse(raw);
  return envelope.success
    ? { ok: true, event: envelope.data }
    : { ok: false, reason: `Not a valid CloudEvent: ${describe(envelope.error)}` };
};

/** Parses the envelope, then the data with the catalog's schema for the event's type. */
export const eventsOf = <T extends EventType>(...types: T[]): EventParser<EventOf<T>> => ({
  parse(raw) {
    const envelope = parseEnvelope(raw);
    if (!envelope.ok) return envelope;
    const type = envelope.event.type as T;
    if (!types.includes(type)) {
      return { ok: false, reason: `Event type ${envelope.event.type} is not handled here (expects ${types.join(", ")})` };
    }
    const data = eventCatalog[type].schema.safeParse(envelope.event.data);
    if (!data.success) return { ok: false, reason: `Invalid data for ${type}: ${describe(data.error)}` };
    return { ok: true, event: { ...envelope.event, type, data: data.data } as EventOf<T> };
  },
});

export const anyCloudEvent: EventParser<CloudEventEnvelope> = { parse: parseEnvelope };

const parsers = new Map<string, EventParser<CloudEventEnvelope>>();

/**
 * The parser of one reaction, built from its manifest entry (the only place its event types are listed): the
 * manifest's `on` types with their catalog schemas, or any well-formed CloudEvent for `on: "all"`.
 */
export const reactionParser = (service: ServiceName, name: string): EventParser<CloudEventEnvelope> => {
  const key = `${service}-${name}`;
  const cached = parsers.get(key);
  if (cached) return cached;
  const spec = (services[service].reactions as readonly ReactionSpec[]).find((r) => r.name === name);
  if (!spec) throw new Error(`${key} is not a reaction of the manifest (src/topology.ts)`);
  const parser = spec.on === "all" ? anyCloudEvent : eventsOf(...spec.on);
  parsers.set(key, parser);
  return parser;
};
