import { EventType } from "./events/catalog";
import { CloudEventEnvelope } from "./events/envelope";
import { Decision, DecisionContext, LoadContext, Outside, Reaction, Tuning } from "./platform/reactions/contract";
import { EventOf, parserOf } from "./platform/reactions/parsing";
import { ServiceCode } from "./platform/serviceModule";
import { ServiceName, reactionSpecsOf, services } from "./topology";

// The app's side of the reaction contract: the generic runner (src/platform/reactions) knows no manifest; here its
// types are bound to this app's (src/topology.ts), so a reaction's event type follows from its two names.

type ReactionSpecOf<S extends ServiceName> = (typeof services)[S]["reactions"][number];

/** The names the manifest gives the reactions of service `S`. */
export type ReactionName<S extends ServiceName> = ReactionSpecOf<S>["name"];

type OnOf<S extends ServiceName, N extends ReactionName<S>> = Extract<ReactionSpecOf<S>, { readonly name: N }>["on"];

/**
 * The event a reaction receives, from its manifest entry alone: the union of its `on` types, or any CloudEvent for
 * `on: "all"` (the journal). `ReactionEvent<"inventory", "reserveStockWhenOrderPlaced">` = `EventOf<"Orders.OrderPlaced.v2">`.
 */
export type ReactionEvent<S extends ServiceName, N extends ReactionName<S>> =
  OnOf<S, N> extends readonly (infer T extends EventType)[] ? EventOf<T> : CloudEventEnvelope;

/** A reaction the manifest lists for service `Svc` (any of them when `N` is left out), whatever it loads. */
export type ReactionOf<Svc extends ServiceName, N extends ReactionName<Svc> = ReactionName<Svc>, P = unknown> = N extends ReactionName<Svc>
  ? Reaction<ReactionEvent<Svc, N>, unknown, unknown, P> & { readonly service: Svc; readonly name: N }
  : never;

interface Parts<E, L, P> {
  /** The logical partition holding the state this reaction changes; its inbox record lives there too. */
  partitionKey(event: E): string;
  /** Reads what the decision needs. Only reads: an outside call is `act`'s. */
  load(event: E, context: LoadContext<P>): Promise<L>;
  /** Optional performance knobs, safe to leave out (see Tuning). */
  readonly tuning?: Tuning;
}

interface PartsWithAct<E, L, A, P> extends Parts<E, L, P> {
  /**
   * Calls the outside world (gateway, bank, CRM, mailbox) through `outside.call`, which records its intent first; or
   * commits the reaction's own idempotent batches in other partitions (`outside.otherPartitions`: inventory's lines).
   */
  act(event: E, loaded: L, outside: Outside<P>): Promise<A>;
  /** Pure: what to put and publish, from the event and what `act` learned. */
  decide(event: E, state: A, context: DecisionContext): Decision;
}

interface PartsWithoutAct<E, L, P> extends Parts<E, L, P> {
  /** Pure: what to put and publish, from the event and what `load` read. */
  decide(event: E, state: L, context: DecisionContext): Decision;
}

type Defined<Svc extends ServiceName, N extends ReactionName<Svc>, L, A, P> = Reaction<ReactionEvent<Svc, N>, L, A, P> & {
  readonly service: Svc;
  readonly name: N;
};

/**
 * One reaction of one service, named as in the manifest: its event type and its parser come from the manifest entry,
 * so the reaction lists no event types itself. `load` reads, `act` (when the reaction calls an outside system) calls,
 * `decide` is pure. The runner (src/platform/reactions/runner.ts) commits what `decide` says with the delivery's
 * record; a lost race loads and decides again.
 */
export function defineReaction<Svc extends ServiceName, N extends ReactionName<Svc>, L, A, P = unknown>(
  service: Svc,
  name: N,
  parts: PartsWithAct<ReactionEvent<Svc, N>, L, A, P>,
): Defined<Svc, N, L, A, P>;
export function defineReaction<Svc extends ServiceName, N extends ReactionName<Svc>, L, P = unknown>(
  service: Svc,
  name: N,
  parts: PartsWithoutAct<ReactionEvent<Svc, N>, L, P>,
): Defined<Svc, N, L, L, P>;
export function defineReaction(service: ServiceName, name: string, parts: PartsWithoutAct<CloudEventEnvelope, unknown, unknown>): Reaction {
  const spec = reactionSpecsOf(service).find((r) => r.name === name);
  // Unreachable from typed code (the name is the manifest's); a stray JavaScript caller learns it at start-up.
  if (!spec) throw new Error(`${service}-${name} is not a reaction of the manifest (src/topology.ts)`);
  return { service, name, parser: parserOf(spec.on), ...parts };
}

/** A service's code: reactions and HTTP handlers named as in the manifest, and how to build its ports. */
export interface ServiceModule<Svc extends ServiceName = ServiceName, P = unknown> extends ServiceCode<P> {
  readonly name: Svc;
  /** A reaction the manifest does not list for this service does not compile; registerServices refuses a missing one. */
  readonly reactions: readonly ReactionOf<Svc, ReactionName<Svc>, P>[];
}
