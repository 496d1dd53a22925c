import { eventCatalog, eventTypes } from "../events/catalog";
import { flowNames, flows, outcomeEventTypes } from "../flows";
import { reactionSpecsOf, serviceNames } from "../topology";

/**
 * The choreography as a graph: event → reaction (it listens to it) → event (it may publish it). Nobody orchestrates
 * the flows, so this graph is the only place where an event storm (a cycle), noise (an event nobody needs) or a dead
 * end (a reaction waiting for an event nobody publishes) can be seen before it happens.
 */
export interface ChoreographyReaction {
  readonly service: string;
  readonly name: string;
  readonly on: readonly string[] | "all";
  readonly publishes: readonly string[];
  readonly boundsCycle?: string;
}

export interface ChoreographyModel {
  readonly services: readonly string[];
  readonly reactions: readonly ChoreographyReaction[];
  /** Every event type with its owning service. */
  readonly events: Readonly<Record<string, { readonly publisher: string }>>;
  /** Events published outside any reaction: the HTTP commands that start flows. */
  readonly entryPoints: readonly string[];
  /** Terminal outcomes of flows: fine to have no consumer but the journal. */
  readonly outcomes: ReadonlySet<string>;
}

/** The model of this system, from the manifest, the catalog and the flow definitions. */
export const systemChoreography = (): ChoreographyModel => ({
  services: [...serviceNames],
  reactions: serviceNames.flatMap((service) =>
    reactionSpecsOf(service).map((r) => ({
      service,
      name: r.name,
      on: r.on,
      publishes: r.publishes,
      ...(r.boundsCycle === undefined ? {} : { boundsCycle: r.boundsCycle }),
    })),
  ),
  events: Object.fromEntries(eventTypes.map((t) => [t, { publisher: eventCatalog[t].publisher }])),
  entryPoints: flowNames.map((f) => flows[f].startedBy),
  outcomes: outcomeEventTypes(),
});

const reactionId = (r: ChoreographyReaction): string => `${r.service}-${r.name}`;

/** Observers (`on: "all"`, the journal) see everything and publish nothing; they are not part of any chain. */
const isObserver = (r: ChoreographyReaction): boolean => r.on === "all";

const consumersOf = (model: ChoreographyModel, type: string): ChoreographyReaction[] =>
  model.reactions.filter((r) => !isObserver(r) && (r.on as readonly string[]).includes(type));

export interface Cycle {
  /** Events in causal order; the first follows the last. */
  readonly events: readonly string[];
  readonly reactions: readonly string[];
  /** The reasons given by the reactions on the cycle that declare it bounded. */
  readonly boundedBy: readonly string[];
}

/** Every elementary cycle of the event graph (the graph is small: a DFS from each event, in catalog order, suffices). */
export const findCycles = (model: ChoreographyModel): Cycle[] => {
  const types = Object.keys(model.events);
  const index = new Map(types.map((t, i) => [t, i]));
  const cycles: Cycle[] = [];
  for (const start of types) {
    const startIndex = index.get(start)!;
    // Only cycles whose smallest event is `start`, so each cycle is reported once.
    const walk = (type: string, events: string[], reactions: ChoreographyReaction[]) => {
      for (const r of consumersOf(model, type)) {
        for (const next of r.publishes) {
          if (next === start) {
            const on = [...reactions, r];
            cycles.push({
              events: [...events],
              reactions: on.map(reactionId),
              boundedBy: on.flatMap((x) => (x.boundsCycle ? [`${reactionId(x)}: ${x.boundsCycle}`] : [])),
            });
          } else if ((index.get(next) ?? -1) > startIndex && !events.includes(next)) {
            walk(next, [...events, next], [...reactions, r]);
          }
        }
      }
    };
    walk(start, [start], []);
  }
  return cycles;
};

/** The longest chain of distinct events one entry point can cause (cycles are walked once, not around). */
export const longestCausalChain = (model: ChoreographyModel): string[] => {
  let longest: string[] = [];
  const walk = (chain: string[]) => {
    if (chain.length > longest.length) longest = chain;
    for (const r of consumersOf(model, chain[chain.length - 1]!)) {
      for (const next of r.publishes) if (!chain.includes(next)) walk([...chain, next]);
    }
  };
  for (const entry of model.entryPoints) walk([entry]);
  return longest;
};

/** What breaks the rules; empty means the choreography passes. */
export const lintChoreography = (model: ChoreographyModel): string[] => {
  const problems: string[] = [];
  const known = (type: string) => Object.prototype.hasOwnProperty.call(model.events, type);
  const published = new Set([...model.entryPoints, ...model.reactions.flatMap((r) => r.publishes)]);

  for (const cycle of findCycles(model)) {
    if (cycle.boundedBy.length === 0) {
      problems.push(
        `cycle ${[...cycle.events, cycle.events[0]].join(" → ")} (through ${cycle.reactions.join(", ")}) is not bounded: ` +
          "break it, or give one of its reactions a boundsCycle reason in src/topology.ts",
      );
    }
  }
  for (const type of Object.keys(model.events)) {
    if (consumersOf(model, type).length === 0 && !model.outcomes.has(type)) {
      problems.push(`${type} has no consumer but the journal and is no outcome of a flow (src/flows.ts): noise, or a missing reaction`);
    }
    if (!published.has(type)) problems.push(`${type} is published by no reaction and starts no flow: a dead type`);
  }
  for (const r of model.reactions) {
    for (const type of isObserver(r) ? [] : (r.on as readonly string[])) {
      if (!known(type)) problems.push(`${reactionId(r)} listens to ${type}, which is not in the catalog`);
      else if (!published.has(type)) problems.push(`${reactionId(r)} listens to ${type}, which nobody publishes`);
    }
    for (const type of r.publishes) {
      const owner = model.events[type]?.publisher;
      if (owner === undefined) problems.push(`${reactionId(r)} publishes ${type}, which is not in the catalog`);
      else if (owner !== r.service) problems.push(`${reactionId(r)} publishes ${type}, owned by ${owner}: a service publishes only what it owns`);
    }
    if (isObserver(r) && r.publishes.length > 0) problems.push(`${reactionId(r)} listens to all events and publishes: every event it publishes would reach it again`);
  }
  return problems;
};

export interface ChoreographyFigures {
  readonly services: number;
  readonly eventTypes: number;
  readonly reactions: number;
  readonly longestCausalChain: readonly string[];
  /** Reactions (observers not counted) each event type is delivered to. */
  readonly fanOut: Readonly<Record<string, number>>;
  readonly cycles: readonly Cycle[];
}

export const choreographyFigures = (model: ChoreographyModel): ChoreographyFigures => ({
  services: model.services.length,
  eventTypes: Object.keys(model.events).length,
  reactions: model.reactions.length,
  longestCausalChain: longestCausalChain(model),
  fanOut: Object.fromEntries(Object.keys(model.events).map((t) => [t, consumersOf(model, t).length])),
  cycles: findCycles(model),
});

export const renderChoreographyFigures = (figures: ChoreographyFigures): string =>
  [
    `${figures.services} services, ${figures.eventTypes} event types, ${figures.reactions} reactions`,
    `longest causal chain (${figures.longestCausalChain.length} events): ${figures.longestCausalChain.join(" → ")}`,
    `fan-out per event (reactions, journal not counted): ${Object.entries(figures.fanOut)
      .map(([t, n]) => `${t} ${n}`)
      .join(", ")}`,
    `cycles: ${figures.cycles.length}${figures.cycles
      .map((c) => `\n  ${[...c.events, c.events[0]].join(" → ")}${c.boundedBy.length > 0 ? ` (bounded: ${c.boundedBy.join("; ")})` : " (NOT bounded)"}`)
      .join("")}`,
  ].join("\n");
