import { CloudEventEnvelope } from "../events/envelope";
import { EventData, EventType, eventCatalog } from "../events/catalog";
import { ServiceName } from "../topology";
import { ConcurrencyConflictError } from "./errors";
import { EventParser } from "./eventParsing";
import { childTraceparent, deterministicId } from "./ids";
import { activeTraceparent } from "./tracing";
import { OutboxDocument, publishOutbox, publishPendingOutboxOfPartition, toOutboxDocument } from "./outbox";
import { EventPublisher } from "./publisher";
import { DocumentStore, DocumentWrite, StoredDocument } from "./store";

/** What a decision may read besides the event and the state: the clock and an id source, both injected. */
export interface DecisionContext {
  readonly now: Date;
  /** Ids derived from the event being handled, so a retried decision names things the same way. */
  newId(): string;
}

export type NewEvent = { [T in EventType]: { readonly type: T; readonly subject?: string; readonly data: EventData<T> } }[EventType];

/** What should happen: state to write (atomically, with the inbox and outbox records) and events to publish. */
export interface Decision {
  readonly writes: readonly DocumentWrite[];
  readonly publish: readonly NewEvent[];
}

export const nothingToDo: Decision = { writes: [], publish: [] };

export interface LoadContext<P> {
  readonly store: DocumentStore;
  readonly ports: P;
  /** Key for calls to outside systems: derived from the event id, so a redelivery never charges twice. */
  readonly idempotencyKey: string;
  /**
   * Survives the re-reads after a lost concurrency race within one delivery: what an earlier attempt learned from an
   * outside system (a charge went through) must not be forgotten because the commit after it failed.
   */
  readonly memo: Map<string, unknown>;
}

/**
 * One reaction of one service. `load` gathers the facts (documents, and for reactions that call an outside system,
 * that system's answer under the idempotency key); `decide` is pure.
 */
export interface Reaction<E extends CloudEventEnvelope = CloudEventEnvelope, S = unknown, P = unknown> {
  readonly service: ServiceName;
  readonly name: string;
  readonly events: EventParser<E>;
  /** The logical partition holding the state this reaction changes; its inbox and outbox records live there too. */
  partitionKey(event: E): string;
  load(event: E, context: LoadContext<P>): Promise<S>;
  decide(event: E, state: S, context: DecisionContext): Decision;
}

export interface InboxDocument extends StoredDocument {
  readonly kind: "inbox";
  readonly eventId: string;
  readonly eventType: string;
  readonly reaction: string;
  readonly outboxIds: readonly string[];
  readonly processedAt: string;
}

export interface PoisonDocument extends StoredDocument {
  readonly kind: "poison";
  readonly reaction: string;
  readonly reason: string;
  readonly event: unknown;
  readonly parkedAt: string;
}

export const POISON_PARTITION = "poison";
/** Inbox records must outlive Event Grid's retry window (24 h by default) to catch every redelivery. */
export const INBOX_TTL_SECONDS = 7 * 24 * 3600;
const MAX_CONFLICT_RETRIES = 25;

export interface ReactionDependencies<P> {
  readonly store: DocumentStore;
  readonly publisher: EventPublisher;
  readonly ports: P;
  readonly clock: () => Date;
  readonly log?: (message: string) => void;
  /** Waits between optimistic-concurrency retries; injected so tests need not sleep. */
  readonly backoff?: (attempt: number) => Promise<void>;
}

export type ReactionOutcome =
  | { readonly outcome: "handled"; readonly published: readonly CloudEventEnvelope[] }
  | { readonly outcome: "duplicate"; readonly republished: number }
  | { readonly outcome: "poisoned"; readonly reason: string };

const defaultBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));

export const inboxDocumentId = (reaction: string, eventId: string): string => `inbox:${reaction}:${eventId}`;

/** The envelope of an event caused by `cause`: same flow (correlation), cause recorded, trace continued. */
export const causedEnvelope = (
  cause: CloudEventEnvelope,
  service: ServiceName,
  reactionName: string,
  index: number,
  event: NewEvent,
  now: Date,
): CloudEventEnvelope => {
  const id = deterministicId(cause.id, service, reactionName, String(index));
  return {
    specversion: "1.0",
    id,
    source: `/services/${service}`,
    type: event.type,
    subject: event.subject,
    time: now.toISOString(),
    datacontenttype: "application/json",
    correlationid: cause.correlationid,
    causationid: cause.id,
    traceparent: activeTraceparent() ?? childTraceparent(cause.traceparent, id),
    data: event.data,
  };
};

/** Governance at runtime: a service may only publish the types it owns, with data its schema accepts. */
export const assertPublishable = (service: ServiceName, event: NewEvent): void => {
  const definition = eventCatalog[event.type];
  if (definition.publisher !== service) {
    throw new Error(`${service} may not publish ${event.type}; its owner is ${definition.publisher}`);
  }
  const check = definition.schema.safeParse(event.data);
  if (!check.success) throw new Error(`${service} built an invalid ${event.type}: ${check.error.message}`);
};

export const parkPoisonEvent = async (
  store: DocumentStore,
  reaction: string,
  raw: unknown,
  reason: string,
  now: Date,
): Promise<void> => {
  const rawId = (raw as { id?: unknown } | null)?.id;
  const id = `poison:${reaction}:${typeof rawId === "string" && rawId.length <= 200 ? rawId : deterministicId(JSON.stringify(raw) ?? "undefined")}`;
  await store.commit(POISON_PARTITION, [
    { op: "upsert", document: { id, pk: POISON_PARTITION, kind: "poison", reaction, reason, event: raw ?? null, parkedAt: now.toISOString() } },
  ]);
};

/**
 * Runs one delivery: parse (poison → park and succeed), dedupe on the inbox, load, decide, commit state + inbox +
 * outbox in one transactional batch, publish. A lost optimistic-concurrency race re-reads and decides again.
 * Anything else throws, so the Functions host answers 500 and Event Grid redelivers.
 */
export const runReaction = async <E extends CloudEventEnvelope, S, P>(
  reaction: Reaction<E, S, P>,
  raw: unknown,
  deps: ReactionDependencies<P>,
): Promise<ReactionOutcome> => {
  const log = deps.log ?? (() => undefined);
  const parsed = reaction.events.parse(raw);
  if (!parsed.ok) {
    await parkPoisonEvent(deps.store, reaction.name, raw, parsed.reason, deps.clock());
    log(`poison event parked: ${parsed.reason}`);
    return { outcome: "poisoned", reason: parsed.reason };
  }
  const event = parsed.event;
  const pk = reaction.partitionKey(event);
  const inboxId = inboxDocumentId(reaction.name, event.id);

  const memo = new Map<string, unknown>();
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const inbox = await deps.store.readDocument<InboxDocument>(inboxId, pk);
    if (inbox) {
      const republished = await publishPendingOutboxOfPartition(deps.store, deps.publisher, pk, inbox.outboxIds, deps.clock());
      log(`duplicate delivery of ${event.type} ${event.id}; re-published ${republished} unsent event(s)`);
      return { outcome: "duplicate", republished };
    }
    const state = await reaction.load(event, { store: deps.store, ports: deps.ports, idempotencyKey: event.id, memo });
    const now = deps.clock();
    let idCounter = 0;
    const decision = reaction.decide(event, state, {
      now,
      newId: () => deterministicId(event.id, reaction.name, "id", String(idCounter++)),
    });
    decision.publish.forEach((e) => assertPublishable(reaction.service, e));
    const outgoing = decision.publish.map((e, i) => causedEnvelope(event, reaction.service, reaction.name, i, e, now));
    const outbox: OutboxDocument[] = outgoing.map((e) => toOutboxDocument(pk, e));
    const inboxDocument: InboxDocument = {
      id: inboxId,
      pk,
      kind: "inbox",
      eventId: event.id,
      eventType: event.type,
      reaction: reaction.name,
      outboxIds: outbox.map((d) => d.id),
      processedAt: now.toISOString(),
      ttl: INBOX_TTL_SECONDS,
    };
    try {
      await deps.store.commit(pk, [
        ...decision.writes,
        { op: "create", document: inboxDocument },
        ...outbox.map((document) => ({ op: "create" as const, document })),
      ]);
    } catch (error) {
      if (error instanceof ConcurrencyConflictError) {
        await (deps.backoff ?? defaultBackoff)(attempt);
        continue;
      }
      throw error;
    }
    await publishOutbox(deps.store, deps.publisher, pk, outbox, now);
    return { outcome: "handled", published: outgoing };
  }
  throw new ConcurrencyConflictError(
    `${reaction.name}: gave up on ${event.id} after ${MAX_CONFLICT_RETRIES} concurrency conflicts; Event Grid will redeliver`,
  );
};
