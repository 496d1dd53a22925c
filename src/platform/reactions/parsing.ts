import { z } from "zod";
import { CloudEventEnvelope, DomainEvent, cloudEventEnvelopeSchema } from "../../events/envelope";
import { EventData, EventType, eventCatalog } from "../../events/catalog";

/** A parsed event of one of the types `T`, discriminated on `type`. */
export type EventOf<T extends EventType> = T extends EventType ? DomainEvent<T, EventData<T>> : never;

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

/** The parser of a manifest entry's `on`: its types with their catalog schemas, or any CloudEvent for `"all"`. */
export const parserOf = (on: readonly EventType[] | "all"): EventParser<CloudEventEnvelope> => (on === "all" ? anyCloudEvent : eventsOf(...on));
