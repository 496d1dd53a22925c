import { CloudEventEnvelope } from "../events/envelope";
import { EventType } from "../events/catalog";
import { ServiceName } from "../topology";
import { childTraceparent } from "./ids";
import { activeTraceparent } from "./tracing";
import { OutboxDocument, publishOutbox, toOutboxDocument } from "./outbox";
import { EventPublisher } from "./publisher";
import { NewEvent, assertPublishable } from "./reaction";
import { DocumentStore, DocumentWrite } from "./store";

const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface FlowStart {
  readonly service: ServiceName;
  readonly event: NewEvent & { readonly type: EventType };
  readonly eventId: string;
  readonly correlationId: string;
  readonly now: Date;
  /** The caller's `traceparent` header: when valid, the whole flow continues the caller's trace. */
  readonly callerTraceparent?: string | null;
}

/** The first event of a business flow, started by an HTTP command: no cause, a new correlation id. */
export const flowStartingEvent = (start: FlowStart): CloudEventEnvelope => {
  assertPublishable(start.service, start.event);
  const caller = start.callerTraceparent && traceparentPattern.test(start.callerTraceparent) ? start.callerTraceparent : undefined;
  return {
    specversion: "1.0",
    id: start.eventId,
    source: `/services/${start.service}`,
    type: start.event.type,
    subject: start.event.subject,
    time: start.now.toISOString(),
    datacontenttype: "application/json",
    correlationid: start.correlationId,
    traceparent: activeTraceparent() ?? childTraceparent(caller, start.eventId),
    data: start.event.data,
  };
};

/**
 * Commits the command's writes together with its event (outbox), then publishes. When publishing fails the command
 * still succeeded: the event is safe in the outbox and the relay timer publishes it, so the caller gets its 202.
 * Throws ConcurrencyConflictError when the commit loses a race (e.g. the same idempotency key twice at once).
 */
export const commitAndPublish = async (
  deps: { readonly store: DocumentStore; readonly publisher: EventPublisher },
  pk: string,
  writes: readonly DocumentWrite[],
  event: CloudEventEnvelope,
  warn: (message: string, error: unknown) => void,
): Promise<OutboxDocument> => {
  const outbox = toOutboxDocument(pk, event);
  await deps.store.commit(pk, [...writes, { op: "create", document: outbox }]);
  try {
    await publishOutbox(deps.store, deps.publisher, pk, [outbox], new Date(event.time));
  } catch (error) {
    warn(`${event.type} ${event.id} committed but not yet published; the outbox relay will publish it`, error);
  }
  return outbox;
};
