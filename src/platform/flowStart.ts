import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import { CloudEventEnvelope } from "../events/envelope";
import { EventType } from "../events/catalog";
import { readValid } from "./documentSchema";
import { ConcurrencyConflictError, ConflictError } from "./errors";
import { idempotencyKeySchema, readParam } from "./http";
import { parseTraceparent } from "./tracing";
import { commitAndPublish } from "./publishing/commit";
import { NewEvent, assertPublishable, newEnvelope } from "./publishing/envelope";
import { outboxDocumentId, publishPendingOutboxOfPartition } from "./publishing/outbox";
import { rememberCommitted } from "./reactions/session";
import { ServiceRuntime } from "./runtime";
import { StoredDocument } from "./store";

export interface FlowStart {
  readonly service: string;
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

/** The request's `Idempotency-Key` header, checked (400 when malformed); `undefined` when there is none. */
export const readIdempotencyKey = (request: HttpRequest): string | undefined => {
  const key = request.headers.get("idempotency-key");
  return key === null ? undefined : readParam("Idempotency-Key", key, idempotencyKeySchema);
};

/** What identifies a request's content, stored on the flow's record, so a reused key with another body is seen. */
export const requestHashOf = (content: unknown): string => createHash("sha256").update(JSON.stringify(content)).digest("hex");

/**
 * The answer to a repeat of an idempotent request: the record's own answer again when the body is the same, else 409
 * with `reusedKeyCode` (`ORDER.IDEMPOTENCY_KEY_REUSED`).
 */
export const replayWhenSameRequest =
  <D extends { readonly requestHash?: string }>(requestHash: string, reusedKeyCode: string, accepted: (record: D) => HttpResponseInit) =>
  (record: D): HttpResponseInit => {
    if (record.requestHash !== requestHash) {
      throw new ConflictError(reusedKeyCode, "This Idempotency-Key was already used with a different request body");
    }
    return accepted(record);
  };

export interface HttpFlowStart<D extends StoredDocument> {
  readonly service: string;
  /** Where the flow's record lives. Its id is derived from what identifies the request (an idempotency key, an email). */
  readonly pk: string;
  readonly recordId: string;
  /** The record's schema: an existing record is parsed with it before `whenExists` sees it. */
  readonly schema: z.ZodType<D>;
  /** The id of the flow's first event, derived from the record's, so a repeat finds the event's outbox entry. */
  readonly eventId: string;
  readonly correlationId: string;
  /**
   * Checks what needs the store (404, 400) and builds the record and the flow's first event. Runs before the record is
   * looked for (a repeat of a valid request is valid again); nothing is written when it throws.
   */
  start(now: Date): Promise<{ readonly record: D; readonly event: NewEvent }>;
  /** The 2xx answer once the record and its event are committed. */
  accepted(record: D): HttpResponseInit;
  /**
   * The answer when the record exists already: a retried request, or the loser of a race for the same id. Throws for
   * a conflict (`replayWhenSameRequest`: 409 when the body differs; the users service: 409 for a taken email).
   */
  whenExists(record: D): HttpResponseInit;
}

/**
 * Starts a business flow from an HTTP command, once per record id: the record and the flow's first event are committed
 * together (the one commit path, publishing/commit.ts, with an outbox document) and published. When the record exists already (a retried request, a taken email, or the loser of
 * two racing requests) the create is refused; then the existing record answers with `whenExists`, after its first
 * event is re-published if a crash left it unsent.
 */
export const startFlowFromHttp = async <D extends StoredDocument>(
  request: HttpRequest,
  runtime: Pick<ServiceRuntime<unknown>, "store" | "publisher" | "clock" | "recentWrites">,
  context: InvocationContext,
  flow: HttpFlowStart<D>,
): Promise<HttpResponseInit> => {
  const { store, publisher, clock } = runtime;
  // Create first: a new record is the common case, and its create refuses a taken id by itself, so the record is read
  // only when it exists (a retried request, or two at once with the same key).
  const now = clock();
  const { record, event } = await flow.start(now);
  const envelope = flowStartingEvent({
    service: flow.service,
    event,
    eventId: flow.eventId,
    correlationId: flow.correlationId,
    now,
    callerTraceparent: request.headers.get("traceparent"),
  });
  try {
    // When publishing fails the command still succeeded: its event is safe in the outbox and the relay timer publishes
    // it, so the caller gets its 202.
    const [version] = await commitAndPublish({ store, publisher }, flow.pk, [{ op: "create", document: record }], [envelope], {
      onPublishFailure: (error) => context.warn(`${envelope.type} ${envelope.id} committed but not yet published; the outbox relay will publish it`, error),
    });
    // The flow's next reactions in this process may take the record from memory (an `ownLatest` read) instead of reading it.
    rememberCommitted(runtime.recentWrites, record, version);
  } catch (error) {
    if (!(error instanceof ConcurrencyConflictError)) throw error;
    const existing = await readValid(store, flow.schema, flow.recordId, flow.pk);
    if (!existing) throw error;
    // Whoever created it may have crashed before publishing: its first event goes out now if it is still unsent.
    await publishPendingOutboxOfPartition(store, publisher, flow.pk, [outboxDocumentId(flow.eventId)], clock());
    return flow.whenExists(existing);
  }
  return flow.accepted(record);
};
