import { CloudEventEnvelope } from "../../events/envelope";
import { EventData, EventType, eventCatalog } from "../../events/catalog";
import { childTraceparent, deterministicId } from "../ids";
import { activeTraceparent } from "../tracing";

/** An event a service asks to publish: the type, its data and a subject; the envelope is the platform's business. */
export type NewEvent = { [T in EventType]: { readonly type: T; readonly subject?: string; readonly data: EventData<T> } }[EventType];

/** The event a service's events follow from: the same flow, the cause recorded, the trace continued. */
export type Cause = Pick<CloudEventEnvelope, "id" | "correlationid" | "traceparent">;

/**
 * The CloudEvents envelope of an event a service publishes, the one place envelopes are built. With `causationId` (the
 * event a reaction handled) the cause is recorded; without it the event starts a flow. The trace continues the active
 * span when OpenTelemetry records one, else `parentTraceparent` (the cause's, or the HTTP caller's), else a new trace.
 */
export const newEnvelope = (e: {
  readonly id: string;
  readonly service: string;
  readonly event: NewEvent;
  readonly now: Date;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly parentTraceparent?: string;
}): CloudEventEnvelope => ({
  specversion: "1.0",
  id: e.id,
  source: `/services/${e.service}`,
  type: e.event.type,
  subject: e.event.subject,
  time: e.now.toISOString(),
  datacontenttype: "application/json",
  correlationid: e.correlationId,
  ...(e.causationId === undefined ? {} : { causationid: e.causationId }),
  traceparent: activeTraceparent() ?? childTraceparent(e.parentTraceparent, e.id),
  data: e.event.data,
});

/** Governance at runtime: a service may only publish the types it owns, with data its schema accepts. */
export const assertPublishable = (service: string, event: NewEvent): void => {
  const definition = eventCatalog[event.type];
  if (definition.publisher !== service) {
    throw new Error(`${service} may not publish ${event.type}; its owner is ${definition.publisher}`);
  }
  const check = definition.schema.safeParse(event.data);
  if (!check.success) throw new Error(`${service} built an invalid ${event.type}: ${check.error.message}`);
};

/**
 * The envelopes of the events `by` publishes because of `cause`: checked, in the cause's flow and trace, with ids
 * derived from the cause, so a retried decision names them the same way (and consumers dedupe them).
 */
export const envelopesCausedBy = (
  by: { readonly service: string; readonly name: string },
  cause: Cause,
  events: readonly NewEvent[],
  now: Date,
): CloudEventEnvelope[] => {
  events.forEach((e) => assertPublishable(by.service, e));
  return events.map((event, i) =>
    newEnvelope({
      id: deterministicId(cause.id, by.service, by.name, String(i)),
      service: by.service,
      event,
      now,
      correlationId: cause.correlationid,
      causationId: cause.id,
      parentTraceparent: cause.traceparent,
    }),
  );
};
