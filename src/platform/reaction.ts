import { CloudEventEnvelope } from "../events/envelope";
import { EventData, EventType, eventCatalog } from "../events/catalog";
import { ServiceName } from "../topology";
import { ConcurrencyConflictError } from "./errors";
import { ReactionEvent, ReactionName, reactionParser } from "./eventParsing";
import { childTraceparent, deterministicId } from "./ids";
import { MAX_EVENT_NESTING_DEPTH, NESTING_REJECTION, nestsDeeperThan, shallowEnvelope } from "./nestingGuard";
import { activeTraceparent } from "./tracing";
import { outboxDocumentId, publishOutbox, publishPendingOutboxOfPartition, toOutboxDocument } from "./outbox";
import { EventPublisher } from "./publisher";
import { Act, Change, LoadSession, RecentWrites, SessionReader, openLoadSession } from "./loadSession";
import { KeyedQueue } from "./partitionQueue";
import { DocumentStore, StoredDocument } from "./store";
import { redactPoisonEvent } from "./poisonRedaction";

/** What a decision may read besides the event and the state: the clock and an id source, both injected. */
export interface DecisionContext {
  readonly now: Date;
  /** Ids derived from the event being handled, so a retried decision names things the same way. */
  newId(): string;
}

export type NewEvent = { [T in EventType]: { readonly type: T; readonly subject?: string; readonly data: EventData<T> } }[EventType];

/**
 * What should happen: documents to put (atomically, with the inbox and outbox records) and events to publish.
 * No ETags and no create-or-replace here: the runner derives them from what `load` read (see `openLoadSession`).
 */
export interface Decision {
  readonly changes: readonly Change[];
  readonly publish: readonly NewEvent[];
}

export const nothingToDo: Decision = { changes: [], publish: [] };

export interface LoadContext<P> {
  /** Reads whose versions the runner remembers; documents come back plain, without Cosmos system properties. */
  readonly store: SessionReader;
  readonly ports: P;
  /** Key for calls to outside systems: derived from the event id, so a redelivery never charges twice. */
  readonly idempotencyKey: string;
  /** Calls an outside system under a durable intent: recorded first unless `load` found it stored (see OutsideStep). */
  readonly act: Act;
}

/**
 * One reaction of one service, named as in the manifest: its event type (`ReactionEvent<S, N>`) and its parser come
 * from the manifest entry, so the reaction lists no event types itself. `load` gathers the facts (documents, and for
 * reactions that call an outside system, that system's answer, through `act`); `decide` is pure and says which
 * documents to put. `act` records the intent durably first (a commit of its own), so that what the call did can be
 * found again after any crash; a
 * ConcurrencyConflictError thrown by `load` makes the runner read and decide again, like a lost commit does.
 */
export interface Reaction<
  Svc extends ServiceName = ServiceName,
  N extends ReactionName<Svc> = ReactionName<Svc>,
  S = unknown,
  P = unknown,
> {
  readonly service: Svc;
  readonly name: N;
  /** The logical partition holding the state this reaction changes; its inbox and outbox records live there too. */
  partitionKey(event: ReactionEvent<Svc, N>): string;
  load(event: ReactionEvent<Svc, N>, context: LoadContext<P>): Promise<S>;
  decide(event: ReactionEvent<Svc, N>, state: S, context: DecisionContext): Decision;
  /**
   * How a redelivery is told from a new event. `inbox` (the default): every delivery commits an inbox record.
   *
   * `ownRecord`: the reaction publishes nothing and its own writes record each event under the event's id (and decide
   * nothing to do once recorded), so it needs no inbox record: a duplicate finds its record and writes nothing, and a
   * concurrent one loses on the ETag/create and decides again. Saves a write per delivery (the journal).
   *
   * `idempotentState`: `decide` is idempotent on the state: a state that has taken an event in (whatever else it took
   * in since) decides nothing to do for it again, and a decision that publishes always changes the state. Then only a
   * delivery whose decision publishes commits an inbox record, to carry its events; the others commit their state
   * alone. A delivery that decides nothing reads the record and publishes what it carries again (its first attempt may
   * have died before publishing); a concurrent one loses on the ETag and decides again. Saves a write per delivery
   * that publishes nothing (the order's settlements: two of three). A unit test must show the idempotence.
   */
  readonly dedupe?: "inbox" | "ownRecord" | "idempotentState";
  /**
   * Deliveries for one partition run one at a time in a process (`ReactionDependencies.partitionQueue`), in arrival
   * order. For partitions that hold one flow (the journal's, an order's), whose events often arrive together (stock ∥
   * payment): racing them only makes one lose on the ETag, read and commit again, where waiting lets it take the
   * other's commit from memory (`readOwnLatest`). Not for partitions shared by many flows (inventory's stock), where
   * it would queue unrelated work. Between processes the ETags still decide.
   */
  readonly oneAtATimePerPartition?: boolean;
}

/**
 * The record that a reaction handled a delivery, committed with its decision, carrying the events the decision
 * published. It is the outbox of a reaction: the delivery is acknowledged to Event Grid only once they are published,
 * so a delivery that finds its record (the create conflicts) publishes them again. Nothing marks them sent; see
 * `runReaction`.
 */
export interface InboxDocument extends StoredDocument {
  /** Its id names the reaction and the event (`inboxDocumentId`); records written before repeated them as fields. */
  readonly kind: "inbox";
  /**
   * Only on records written before: when the delivery was handled is the record's `_ts` (it is written once), and
   * the field made records that carry an event cross 1 KB, which a write is charged by.
   */
  readonly processedAt?: string;
  /** What the decision published; absent when it published nothing. */
  readonly events?: readonly CloudEventEnvelope[];
  /** Only on records written before records carried their events: the outbox documents the events went to. */
  readonly outboxIds?: readonly string[];
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
  /** What this process committed last, for `readOwnLatest` reads (see loadSession); without it they read. */
  readonly recentWrites?: RecentWrites;
  /** Where `oneAtATimePerPartition` deliveries wait for the one before them; without it they run at once. */
  readonly partitionQueue?: KeyedQueue;
}

export type ReactionOutcome =
  | { readonly outcome: "handled"; readonly published: readonly CloudEventEnvelope[] }
  | { readonly outcome: "duplicate"; readonly republished: number }
  /**
   * Decided nothing and found no record: for a reaction that dedupes by its state, a duplicate of a delivery that
   * published nothing and an event with nothing to do look alike.
   */
  | { readonly outcome: "nothingToDo" }
  | { readonly outcome: "poisoned"; readonly reason: string };

const defaultBackoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));

/** The id of the record of one delivery to one reaction. */
export const inboxDocumentId = (reaction: string, eventId: string): string => `inbox:${reaction}:${eventId}`;

/**
 * The CloudEvents envelope of an event a service publishes, the one place envelopes are built. With `causationId` (the
 * event a reaction handled) the cause is recorded; without it the event starts a flow. The trace continues the active
 * span when OpenTelemetry records one, else `parentTraceparent` (the cause's, or the HTTP caller's), else a new trace.
 */
export const newEnvelope = (e: {
  readonly id: string;
  readonly service: ServiceName;
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
    { op: "upsert", document: { id, pk: POISON_PARTITION, kind: "poison", reaction, reason, event: redactPoisonEvent(raw), parkedAt: now.toISOString() } },
  ]);
};

/**
 * Commits a decision in one transactional batch — its changes (as writes with the versions `session` read) and the
 * record of what it published — then publishes the events (deterministic ids, so a retried decision names them the
 * same way). With `delivery` (the reaction runner) the record is the delivery's inbox record, which carries the events:
 * Event Grid redelivers until the delivery is acknowledged, and a redelivery publishes them again, so they need no
 * mark. Timers that settle state on their own (reconciliation) have a cause but no delivery to retry: their events go
 * in an outbox document named after the first event, marked sent once published, which the relay watches.
 * Throws ConcurrencyConflictError when the batch loses a race; nothing is then written or published.
 */
export const commitDecision = async (
  deps: { readonly store: DocumentStore; readonly publisher: EventPublisher },
  by: { readonly service: ServiceName; readonly name: string },
  pk: string,
  cause: Pick<CloudEventEnvelope, "id" | "correlationid" | "traceparent">,
  decision: Decision,
  session: Pick<LoadSession, "writesFor"> & Partial<Pick<LoadSession, "committed">>,
  now: Date,
  delivery?: { inboxRecord(events: readonly CloudEventEnvelope[]): InboxDocument },
): Promise<CloudEventEnvelope[]> => {
  decision.publish.forEach((e) => assertPublishable(by.service, e));
  // Same flow as the cause, cause recorded, trace continued; deterministic ids, so a retried decision names them alike.
  const outgoing = decision.publish.map((event, i) =>
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
  const [first] = outgoing;
  const outbox = !delivery && first ? toOutboxDocument(outboxDocumentId(first.id), pk, outgoing) : undefined;
  const record: StoredDocument | undefined = delivery ? delivery.inboxRecord(outgoing) : outbox;
  const writes = [...session.writesFor(decision.changes), ...(record ? [{ op: "create" as const, document: record }] : [])];
  session.committed?.(writes, await deps.store.commit(pk, writes));
  if (outbox) await publishOutbox(deps.store, deps.publisher, pk, [outbox], now);
  else if (outgoing.length > 0) await deps.publisher.publishEvents(outgoing);
  return outgoing;
};

/**
 * For a delivery handled before (its inbox record exists), but perhaps never acknowledged: the process may have died
 * between the commit and the publish (Event Grid then redelivers), so what the record carries is published again, with
 * the same event ids; consumers dedupe them. Records written before they carried their events list outbox documents
 * instead. Returns how many events it published, or undefined when there is no record.
 */
async function republishRecorded(
  deps: Pick<ReactionDependencies<unknown>, "store" | "publisher" | "clock">,
  pk: string,
  inboxId: string,
): Promise<number | undefined> {
  const record = await deps.store.readDocument<InboxDocument>(inboxId, pk);
  if (!record) return undefined;
  if (record.events) {
    await deps.publisher.publishEvents(record.events);
    return record.events.length;
  }
  return publishPendingOutboxOfPartition(deps.store, deps.publisher, pk, record.outboxIds ?? [], deps.clock());
}

/** Why an event is too deep to handle: cut down by the invocation guard already, or found here. */
const hostileNesting = (raw: unknown): string | undefined => {
  const marked = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[NESTING_REJECTION] : undefined;
  if (typeof marked === "string") return marked;
  return nestsDeeperThan(raw, MAX_EVENT_NESTING_DEPTH) ? `Event nested deeper than ${MAX_EVENT_NESTING_DEPTH} levels` : undefined;
};

/**
 * Runs one delivery: refuse hostile nesting, parse (poison → park and succeed), load, decide, commit state + inbox +
 * outbox in one transactional batch, publish. A lost optimistic-concurrency race re-reads and decides again.
 * Anything else throws, so the Functions host answers 500 and Event Grid redelivers.
 */
export const runReaction = async <Svc extends ServiceName, N extends ReactionName<Svc>, S, P>(
  reaction: Reaction<Svc, N, S, P>,
  raw: unknown,
  deps: ReactionDependencies<P>,
): Promise<ReactionOutcome> => {
  const log = deps.log ?? (() => undefined);
  const tooDeep = hostileNesting(raw);
  if (tooDeep) {
    // Parked with its top-level fields only: the whole event is what no store or parser should hold.
    await parkPoisonEvent(deps.store, reaction.name, shallowEnvelope(raw), tooDeep, deps.clock());
    log(`poison event parked: ${tooDeep}`);
    return { outcome: "poisoned", reason: tooDeep };
  }
  const parsed = reactionParser(reaction.service, reaction.name).parse(raw);
  if (!parsed.ok) {
    await parkPoisonEvent(deps.store, reaction.name, raw, parsed.reason, deps.clock());
    log(`poison event parked: ${parsed.reason}`);
    return { outcome: "poisoned", reason: parsed.reason };
  }
  // The parser is the manifest's for this (service, name), and ReactionEvent is read from the same entry.
  const event = parsed.event as ReactionEvent<Svc, N>;
  const envelope: CloudEventEnvelope = parsed.event;
  const pk = reaction.partitionKey(event);
  const handle = () => handleDelivery(reaction, event, envelope, pk, deps);
  return reaction.oneAtATimePerPartition && deps.partitionQueue ? deps.partitionQueue.run(`${reaction.name}\u0000${pk}`, handle) : handle();
};

/** Load, decide, commit, publish, until a commit wins or the delivery turns out a duplicate (see runReaction). */
const handleDelivery = async <Svc extends ServiceName, N extends ReactionName<Svc>, S, P>(
  reaction: Reaction<Svc, N, S, P>,
  event: ReactionEvent<Svc, N>,
  envelope: CloudEventEnvelope,
  pk: string,
  deps: ReactionDependencies<P>,
): Promise<ReactionOutcome> => {
  const log = deps.log ?? (() => undefined);
  const inboxId = inboxDocumentId(reaction.name, envelope.id);

  // No inbox read up front: most deliveries are first deliveries, and the batch's create of the inbox record refuses a
  // duplicate by itself (atomically with everything else the duplicate would write). Only a refused batch reads it.
  // A duplicate does run `load` again, and nothing outside is done twice: loads read their own records first, and where a
  // first attempt skips that read (readLikelyNew), an outside call goes through `act`, whose intent create conflicts.
  for (let attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
    const session = openLoadSession(deps.store, { firstAttempt: attempt === 1, recentWrites: deps.recentWrites });
    try {
      const state = await reaction.load(event, { store: session.store, ports: deps.ports, idempotencyKey: envelope.id, act: session.act });
      const now = deps.clock();
      let idCounter = 0;
      const decision = reaction.decide(event, state, {
        now,
        newId: () => deterministicId(envelope.id, reaction.name, "id", String(idCounter++)),
      });
      const inboxRecord = (events: readonly CloudEventEnvelope[]): InboxDocument => ({
        id: inboxId,
        pk,
        kind: "inbox",
        ...(events.length > 0 ? { events } : {}),
        ttl: INBOX_TTL_SECONDS,
      });
      // A reaction that dedupes by its state, with nothing to publish: the state alone is the record.
      const commitStateAlone = async (): Promise<ReactionOutcome> => {
        const writes = session.writesFor(decision.changes);
        session.committed(writes, await deps.store.commit(pk, writes));
        return { outcome: "handled", published: [] };
      };
      if (reaction.dedupe === "ownRecord") {
        if (decision.publish.length > 0) throw new Error(`${reaction.name} dedupes by its own record, so it may not publish`);
        if (decision.changes.length === 0) return { outcome: "duplicate", republished: 0 };
        return await commitStateAlone();
      }
      if (reaction.dedupe === "idempotentState") {
        if (decision.changes.length === 0) {
          if (decision.publish.length > 0) {
            throw new Error(`${reaction.name} publishes without changing its state, so a redelivery could not tell it was handled`);
          }
          // Taken in before, or nothing to do: if a first attempt published, its record carries what to publish again.
          const republished = await republishRecorded(deps, pk, inboxId);
          if (republished === undefined) return { outcome: "nothingToDo" };
          log(`duplicate delivery of ${envelope.type} ${envelope.id}; re-published ${republished} event(s)`);
          return { outcome: "duplicate", republished };
        }
        if (decision.publish.length === 0) return await commitStateAlone();
      }
      const published = await commitDecision(deps, { service: reaction.service, name: reaction.name }, pk, envelope, decision, session, now, { inboxRecord });
      return { outcome: "handled", published };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      session.conflicted();
      // A reaction that dedupes by its state has no record to look for here: its next load sees the duplicate.
      if (reaction.dedupe === undefined || reaction.dedupe === "inbox") {
        const republished = await republishRecorded(deps, pk, inboxId);
        if (republished !== undefined) {
          log(`duplicate delivery of ${envelope.type} ${envelope.id}; re-published ${republished} unsent event(s)`);
          return { outcome: "duplicate", republished };
        }
      }
      await (deps.backoff ?? defaultBackoff)(attempt);
    }
  }
  throw new ConcurrencyConflictError(
    `${reaction.name}: gave up on ${envelope.id} after ${MAX_CONFLICT_RETRIES} concurrency conflicts; Event Grid will redeliver`,
  );
};
