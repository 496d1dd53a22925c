import { CloudEventEnvelope } from "../events/envelope";
import { EventType } from "../events/catalog";
import { ServiceName } from "../topology";
import { parseTraceparent } from "./tracing";
import { OutboxDocument, publishOutbox, toOutboxDocument } from "./outbox";
import { EventPublisher } from "./publisher";
import { NewEvent, assertPublishable, newEnvelope } from "./reaction";
import { DocumentStore, DocumentWrite } from "./store";

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
  const caller = start.callerTraceparent ?? undefined;
  return newEnvelope({
    id: start.eventId,
    service: start.service,
    event: start.event,
    now: start.now,
    correlationId: start.correlationId,
    parentTraceparent: parseTraceparent(caller) ? caller : undefined,
  });
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
