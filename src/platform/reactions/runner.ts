import { CloudEventEnvelope } from "../../events/envelope";
import { ConflictBackoff, conflictBackoff, retryOnConflict } from "../conflictBackoff";
import { ConcurrencyConflictError } from "../errors";
import { deterministicId } from "../ids";
import { KeyedQueue } from "../partitionQueue";
import { EventPublisher } from "../publisher";
import { DocumentStore } from "../store";
import { commitDecision } from "./commitDecision";
import { Decision, Reaction, ReactionOutcome, SettingsOf } from "./contract";
import { inboxDocumentId, inboxRecord, republishRecorded } from "./inbox";
import { parseOrPark } from "./poison";
import { RecentWrites, Session, openSession } from "./session";

const MAX_CONFLICT_RETRIES = 25;

export interface ReactionDependencies<P> {
  readonly store: DocumentStore;
  readonly publisher: EventPublisher;
  readonly ports: P;
  readonly clock: () => Date;
  readonly log?: (message: string) => void;
  /** Waits between optimistic-concurrency retries (the runner's and `act`'s own); injected so tests need not sleep. */
  readonly backoff?: ConflictBackoff;
  /** What this process committed last, for `ownLatest` reads; without it they read. */
  readonly recentWrites?: RecentWrites;
  /** Where `oneAtATimePerPartition` deliveries wait for the one before them; without it they run at once. */
  readonly partitionQueue?: KeyedQueue;
}

const defaultBackoff = conflictBackoff();

const settingsOf = <P>(ports: P): SettingsOf<P> => (ports as { settings?: unknown } | undefined)?.settings as SettingsOf<P>;

/**
 * One attempt's load → act → decide over `session`: what the reaction decides now, and when. The runner commits it;
 * a spec checks it (test/support/given.ts).
 */
export const decideOnce = async <E extends CloudEventEnvelope, L, A, P>(
  reaction: Reaction<E, L, A, P>,
  event: E,
  session: Session,
  deps: Pick<ReactionDependencies<P>, "ports" | "clock" | "store" | "backoff">,
): Promise<{ readonly decision: Decision; readonly now: Date }> => {
  const loaded = await reaction.load(event, { read: session.read, query: session.query, assumeAbsent: session.assumeAbsent, settings: settingsOf(deps.ports) });
  const outside = { ports: deps.ports, idempotencyKey: event.id, call: session.call, otherPartitions: deps.store, backoff: deps.backoff ?? defaultBackoff };
  // Without an `act` part, what `load` found is the state `decide` takes (A is L).
  const state = reaction.act ? await reaction.act(event, loaded, outside) : (loaded as unknown as A);
  const now = deps.clock();
  let idCounter = 0;
  const decision = reaction.decide(event, state, { now, newId: () => deterministicId(event.id, reaction.name, "id", String(idCounter++)) });
  return { decision, now };
};

/**
 * Runs one delivery: parse (poison → park and succeed), load, act, decide, commit state + inbox record (carrying the
 * events) in one transactional batch, publish. A lost optimistic-concurrency race loads and decides again. Anything
 * else throws, so the Functions host answers 500 and Event Grid redelivers.
 */
export const runReaction = async <E extends CloudEventEnvelope, L, A, P>(
  reaction: Reaction<E, L, A, P>,
  raw: unknown,
  deps: ReactionDependencies<P>,
): Promise<ReactionOutcome> => {
  const log = deps.log ?? (() => undefined);
  const parsed = await parseOrPark(deps, reaction, raw);
  if (!parsed.ok) {
    log(`poison event parked: ${parsed.reason}`);
    return { outcome: "poisoned", reason: parsed.reason };
  }
  const pk = reaction.partitionKey(parsed.event);
  const handle = () => handleDelivery(reaction, parsed.event, pk, deps);
  return reaction.tuning?.oneAtATimePerPartition && deps.partitionQueue ? deps.partitionQueue.run(`${reaction.name}\u0000${pk}`, handle) : handle();
};

/** Load, act, decide, commit, publish, until a commit wins or the delivery turns out a duplicate (see runReaction). */
const handleDelivery = async <E extends CloudEventEnvelope, L, A, P>(
  reaction: Reaction<E, L, A, P>,
  event: E,
  pk: string,
  deps: ReactionDependencies<P>,
): Promise<ReactionOutcome> => {
  const log = deps.log ?? (() => undefined);
  const inboxId = inboxDocumentId(reaction.name, event.id);
  const dedupe = reaction.tuning?.dedupe ?? "inbox";

  // No inbox read up front: most deliveries are first deliveries, and the batch's create of the inbox record refuses a
  // duplicate by itself (atomically with everything else the duplicate would write). Only a refused batch reads it.
  // A duplicate does run `load` again, and nothing outside is done twice: an outside call with an intent creates it
  // first (a taken id conflicts), one without is deduped by the outside system on the same key.
  return retryOnConflict(
    async (attempt) => {
      const session = openSession(deps.store, { firstAttempt: attempt === 1, recentWrites: deps.recentWrites, readHints: reaction.tuning?.readHints });
      try {
        const { decision, now } = await decideOnce(reaction, event, session, deps);

        // A reaction that dedupes by its state, with nothing to publish: the state alone is the record.
        const commitStateAlone = async (): Promise<ReactionOutcome> => {
          const writes = session.writesFor(decision.changes);
          session.committed(writes, await deps.store.commit(pk, writes));
          return { outcome: "handled", published: [] };
        };
        if (dedupe === "ownRecord") {
          if (decision.publish.length > 0) throw new Error(`${reaction.name} dedupes by its own record, so it may not publish`);
          if (decision.changes.length === 0) return { outcome: "duplicate", republished: 0 };
          return await commitStateAlone();
        }
        if (dedupe === "idempotentState") {
          if (decision.changes.length === 0) {
            if (decision.publish.length > 0) {
              throw new Error(`${reaction.name} publishes without changing its state, so a redelivery could not tell it was handled`);
            }
            // Taken in before, or nothing to do: if a first attempt published, its record carries what to publish again.
            const republished = await republishRecorded(deps, pk, inboxId);
            if (republished === undefined) return { outcome: "nothingToDo" };
            log(`duplicate delivery of ${event.type} ${event.id}; re-published ${republished} event(s)`);
            return { outcome: "duplicate", republished };
          }
          if (decision.publish.length === 0) return await commitStateAlone();
        }
        const published = await commitDecision(deps, reaction, pk, event, decision, session, now, (events) => inboxRecord(inboxId, pk, events));
        return { outcome: "handled", published };
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError)) throw error;
        session.conflicted();
        // A reaction that dedupes by its state has no record to look for here: its next load sees the duplicate.
        if (dedupe === "inbox") {
          const republished = await republishRecorded(deps, pk, inboxId);
          if (republished !== undefined) {
            log(`duplicate delivery of ${event.type} ${event.id}; re-published ${republished} unsent event(s)`);
            return { outcome: "duplicate", republished };
          }
        }
        throw error; // retryOnConflict waits, then tries again with a new session
      }
    },
    {
      maxAttempts: MAX_CONFLICT_RETRIES,
      backoff: deps.backoff ?? defaultBackoff,
      gaveUp: () =>
        new ConcurrencyConflictError(`${reaction.name}: gave up on ${event.id} after ${MAX_CONFLICT_RETRIES} concurrency conflicts; Event Grid will redeliver`),
    },
  );
};
