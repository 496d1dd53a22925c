import type { SqlParameter } from "@azure/cosmos";
import type { z } from "zod";
import { CloudEventEnvelope } from "../../events/envelope";
import type { ConflictBackoff } from "../conflictBackoff";
import type { DocumentSchema } from "../documentSchema";
import { NewEvent } from "../publishing/envelope";
import { DocumentStore, StoredDocument } from "../store";
import { EventParser } from "./parsing";

/**
 * A change a decision makes to its partition, in domain terms: this document, as it should be from now on. Whether
 * that is a create or a replace, and with which ETag, is the runner's business (it knows what `load` read), not the
 * decision's.
 */
export type Change = { readonly put: StoredDocument };

/**
 * What should happen: documents to put (atomically, with the record of the delivery) and events to publish.
 * No ETags and no create-or-replace here: the runner derives them from what `load` read.
 */
export interface Decision {
  readonly changes: readonly Change[];
  readonly publish: readonly NewEvent[];
}

export const nothingToDo: Decision = { changes: [], publish: [] };

/** What a decision may read besides the event and the state: the clock and an id source, both injected. */
export interface DecisionContext {
  readonly now: Date;
  /** Ids derived from the event being handled, so a retried decision names things the same way. */
  newId(): string;
}

/**
 * Typed reads of the reaction's store. Each remembers the version it found (or that it found nothing), so the runner
 * writes the decision's puts with the right ETag; documents come back parsed by their schema, without Cosmos's
 * system properties.
 */
export interface Reads {
  /** Point read; undefined when missing. */
  readonly read: <S extends DocumentSchema>(schema: S, id: string, pk: string) => Promise<z.infer<S> | undefined>;
  /** Query of one partition (`where` over `c`), every document parsed. */
  readonly query: <S extends DocumentSchema>(schema: S, pk: string, where: string, parameters?: readonly SqlParameter[]) => Promise<z.infer<S>[]>;
  /**
   * For a document `load` knows cannot exist yet without reading it, because a record written in the same batch as it
   * every time says so (the journal: an event missing from its flow's summary has no entry). A put of it creates; if
   * it exists after all, the commit conflicts and the runner loads and decides again.
   */
  readonly assumeAbsent: (id: string, pk: string) => void;
}

/** The service's settings, when its ports carry them (`ports.settings`): values parsed once from app settings. */
export type SettingsOf<P> = P extends { readonly settings: infer S } ? S : undefined;

/** What `load` gets: reads, and the service's settings. No ports: an outside call is the `act` step's. */
export interface LoadContext<P = unknown> extends Reads {
  readonly settings: SettingsOf<P>;
}

/**
 * A call to an outside system (gateway, bank, CRM, mailbox). With an `intent`, the record that makes whatever the call
 * did findable again after any crash: when `load` did not find it stored, the runner creates it before calling (a
 * create: when the id is taken, by another attempt or a cancellation marker, the runner reads and decides again).
 * Without one, the outside system itself dedupes on `idempotencyKey`. `call` gets `idempotencyKey`, so every attempt
 * asks the same question and gets the first answer back.
 */
export interface OutsideCall<R> {
  readonly intent?: StoredDocument;
  readonly idempotencyKey: string;
  call(idempotencyKey: string): Promise<R>;
}

export type CallOutside = <R>(step: OutsideCall<R>) => Promise<R>;

/** What `act` gets: the service's ports, and the one way to call through them. */
export interface Outside<P = unknown> {
  readonly ports: P;
  /** Key for calls to outside systems, derived from the event id: a redelivery never charges twice. */
  readonly idempotencyKey: string;
  readonly call: CallOutside;
  /**
   * The reaction's container beyond its own partition, for a protocol whose state cannot share one partition
   * (inventory: stock per SKU, the outcome per order). Each batch there is atomic on its own and must be idempotent by
   * a record in that same batch (inventory's holds), because `act` runs again on every attempt and redelivery; the
   * reaction's own batch (state, inbox, outbox) still commits last, once.
   */
  readonly otherPartitions: DocumentStore;
  /** The wait after a batch in `otherPartitions` loses an ETag race, before reading again (src/platform/conflictBackoff.ts). */
  readonly backoff: ConflictBackoff;
}

/** A read the runner may answer without the store, for documents of one schema (see `Tuning.readHints`). */
export type ReadHint =
  /**
   * A document named after the event being handled, which nearly every first delivery finds missing (a reservation,
   * a payment, an invoice per order): on a delivery's first attempt it is taken as missing without a read; a put of it
   * creates, and if it exists after all (a redelivery, a cancellation that got there first) the commit conflicts and
   * the next attempt reads it for real. Saves a read that would miss.
   */
  | "likelyNew"
  /**
   * A document that only moves forward and that this reaction writes whenever an event changes it (the journal's flow
   * summary; an order under its settlements, whose decision is idempotent on it): on a first attempt, the version this
   * process committed last, if it remembers one. A decision on an older version either writes it (the commit conflicts
   * on the ETag; the next attempt reads) or finds the event already taken in, which an older version shows only if the
   * newer one does too.
   */
  | "ownLatest";

/**
 * Performance knobs, each safe to leave out: the defaults (an inbox record per delivery, deliveries in parallel, plain
 * reads) are correct for any reaction. Set one only with a unit test showing the property it relies on.
 */
export interface Tuning {
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
   * that publishes nothing (the order's settlements: two of three).
   */
  readonly dedupe?: "inbox" | "ownRecord" | "idempotentState";
  /**
   * Deliveries for one partition run one at a time in a process, in arrival order. For partitions that hold one flow
   * (the journal's, an order's), whose events often arrive together: racing them only makes one lose on the ETag, read
   * and commit again, where waiting lets it take the other's commit from memory (`ownLatest`). Not for partitions
   * shared by many flows (inventory's stock), where it would queue unrelated work. Between processes ETags decide.
   */
  readonly oneAtATimePerPartition?: boolean;
  /** Reads of documents of these schemas the runner may answer without the store (see ReadHint). */
  readonly readHints?: ReadonlyArray<readonly [DocumentSchema, ReadHint]>;
}

/**
 * One reaction, as the runner sees it: `load` reads the facts, `act` (when there is one) calls the outside world
 * under a durable intent, `decide` is pure and says what to put and publish. E is the parsed event, L what `load`
 * found, A what `act` learned (L when there is no `act`), P the service's ports.
 */
export interface Reaction<E extends CloudEventEnvelope = CloudEventEnvelope, L = unknown, A = unknown, P = unknown> {
  readonly service: string;
  readonly name: string;
  /** Parses a delivery into E, from the reaction's manifest entry (the only place its event types are listed). */
  readonly parser: EventParser<E>;
  /** The logical partition holding the state this reaction changes; its inbox record lives there too. */
  partitionKey(event: E): string;
  load(event: E, context: LoadContext<P>): Promise<L>;
  act?(event: E, loaded: L, outside: Outside<P>): Promise<A>;
  decide(event: E, state: A, context: DecisionContext): Decision;
  readonly tuning?: Tuning;
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
