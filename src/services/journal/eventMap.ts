import { EventType, eventCatalog, isEventType } from "../../events/catalog";
import { flowNames, flows } from "../../flows";
import { ReactionSpec, ServiceName, listReactions, listSubscriptions, serviceNames, services } from "../../topology";
import { publishingService } from "./flowSteps";

/**
 * The live event map: per manifest edge (an event type, from the service that publishes it to a reaction that listens
 * to it), over a window, how many events crossed it, how long the reaction took to answer (cause → effect), and where
 * deliveries failed, were dead-lettered or parked as poison, or flows stalled. An in-memory aggregate per host
 * instance, fed with the journal entries recorded since its last refresh (see eventMapFeed.ts for the reads and their
 * cost): a view reads memory only.
 */

/** `<EventType>-><functionName>`, the edge's stable name (the dashboard's `data-edge`). */
export type EdgeKey = string;

export interface MapEdge {
  readonly key: EdgeKey;
  readonly type: EventType;
  readonly from: string;
  readonly to: ServiceName;
  readonly functionName: string;
  /** Whether the reaction may publish something in answer (`publishes` not empty): only then is there a latency. */
  readonly answers: boolean;
}

export const edgeKeyOf = (type: string, functionName: string): EdgeKey => `${type}->${functionName}`;

/**
 * Every edge of the manifest. The journal's catch-all subscription is left out: it would draw every event type into
 * one node and says nothing about the dance.
 */
export const mapEdges: readonly MapEdge[] = listReactions().flatMap((r) =>
  (r.eventTypes ?? []).map((type) => {
    const spec = (services[r.service].reactions as readonly ReactionSpec[]).find((s) => s.name === r.name);
    return { key: edgeKeyOf(type, r.functionName), type, from: eventCatalog[type].publisher, to: r.service, functionName: r.functionName, answers: (spec?.publishes.length ?? 0) > 0 };
  }),
);

const edgesByType = new Map<string, MapEdge[]>();
for (const edge of mapEdges) edgesByType.set(edge.type, [...(edgesByType.get(edge.type) ?? []), edge]);
const edgeByKey = new Map(mapEdges.map((e) => [e.key, e]));
const functionNameBySubscription = new Map(listSubscriptions().map((s) => [s.name.toLowerCase(), s.functionName]));
const serviceByContainer = new Map<string, ServiceName>(serviceNames.map((s) => [services[s].container, s]));

/**
 * The reaction of `service` that `type` reached: the one whose `publishes` lists the effect's type, else the first
 * that answers (a service has one reaction per event type today).
 */
const answeringEdge = (causeType: string, service: string, effectType: string): MapEdge | undefined => {
  const candidates = (edgesByType.get(causeType) ?? []).filter((e) => e.to === service && e.answers);
  return (
    candidates.find((e) => {
      const spec = (services[e.to].reactions as readonly ReactionSpec[]).find((r) => `${e.to}-${r.name}` === e.functionName);
      return (spec?.publishes as readonly string[] | undefined)?.includes(effectType);
    }) ?? candidates[0]
  );
};

/** What the map needs of one journal entry: never the event's data. */
export interface MapEntry {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly correlationId: string;
  readonly causationId?: string;
  /** The event's `time` (ms since epoch). */
  readonly timeMs: number;
  /** When the journal stored it (Cosmos `_ts`, seconds): what the incremental read follows. */
  readonly ts: number;
}

export type IncidentKind = "deadLetter" | "poison" | "failedDelivery";

/** A dead letter, poison record or failed delivery attempt, placed on the edge it happened on. */
export interface MapIncident {
  readonly kind: IncidentKind;
  readonly edge: EdgeKey;
  readonly correlationId: string | undefined;
  readonly timeMs: number;
}

/** Dead letters and failed attempts name their subscription; the edge is its reaction and the event's type. */
export const edgeOfSubscription = (subscription: string, eventType: string): EdgeKey | undefined => {
  const functionName = functionNameBySubscription.get(subscription.toLowerCase());
  const key = functionName ? edgeKeyOf(eventType, functionName) : undefined;
  return key && edgeByKey.has(key) ? key : undefined;
};

/** Poison records name their container and reaction. */
export const edgeOfPoison = (container: string, reaction: string, eventType: string | undefined): EdgeKey | undefined => {
  const service = serviceByContainer.get(container);
  const key = service && eventType ? edgeKeyOf(eventType, `${service}-${reaction}`) : undefined;
  return key && edgeByKey.has(key) ? key : undefined;
};

export const isMapEdge = (key: string): boolean => edgeByKey.has(key);

// ---------------------------------------------------------------------------------------------------------------------
// Latency histogram: log-spaced bins, 16 per doubling (each ~4.4 % wide), so a p95 over a day of hops costs a few dozen
// numbers per edge and minute, not one per event.

const BINS_PER_DOUBLING = 16;
export const latencyBin = (ms: number): number => (ms <= 1 ? 0 : Math.ceil(Math.log2(ms) * BINS_PER_DOUBLING));
/** The bin's upper bound: a percentile read from bins overstates by less than one bin's width. */
export const binUpperMs = (bin: number): number => Math.round(2 ** (bin / BINS_PER_DOUBLING));

export const percentileOf = (bins: ReadonlyMap<number, number>, p: number): number | undefined => {
  let total = 0;
  for (const n of bins.values()) total += n;
  if (total === 0) return undefined;
  const rank = Math.ceil(p * total);
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin)!;
    if (seen >= rank) return binUpperMs(bin);
  }
  return undefined;
};

// ---------------------------------------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
/** The longest window the map offers; minute buckets older than this are dropped. */
export const MAX_WINDOW_MS = 24 * 3_600_000;
/** Flows remembered per edge and minute, for "which flows took this edge" (the newest win). */
export const FLOWS_PER_EDGE_MINUTE = 10;
/** Flows listed per edge in a view. */
export const FLOWS_PER_EDGE = 20;
/**
 * How long an event stays in memory to be found as the cause of an effect recorded later. A hop slower than this (a
 * CRM outage retried for an hour) finds its cause by a point read instead.
 */
export const CAUSE_MEMORY_MS = 15 * MINUTE_MS;

interface EdgeMinute {
  count: number;
  latencies: Map<number, number>;
  flows: string[];
}

interface RememberedEvent {
  readonly type: string;
  readonly timeMs: number;
  readonly correlationId: string;
  readonly insertedAt: number;
  /** Reactions whose answer to this event was counted already (a reaction may publish more than one event). */
  answeredBy?: Set<string>;
}

export interface MapWindowView {
  readonly fromMs: number;
  readonly coverageFromMs: number;
  readonly edges: readonly EdgeView[];
}

export interface EdgeView {
  readonly edge: EdgeKey;
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly functionName: string;
  readonly count: number;
  /** Cause → effect samples: events the reaction answered. */
  readonly answered: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly failedDeliveries: number | null;
  readonly deadLetters: number | null;
  readonly poison: number | null;
  /** Dead letters + poison: events this edge lost until someone acts. */
  readonly failures: number | null;
  /** Flows stalled now that wait on this edge's reaction for one of their events of this type (not windowed). */
  readonly stalled: number;
  readonly trouble: boolean;
  readonly flows: readonly string[];
}

/** What a cause lookup outside memory answers: the cause's type and time, or undefined when it is not recorded. */
export type CauseLookup = (causationId: string, correlationId: string) => Promise<{ type: string; timeMs: number } | undefined>;

/** Incidents as last read; `null` for a kind whose source is not known here (not configured, or unreadable). */
export interface IncidentSnapshot {
  readonly deadLetters: readonly MapIncident[] | null;
  readonly poison: readonly MapIncident[] | null;
  readonly failedDeliveries: readonly MapIncident[] | null;
}

/** Effects whose cause was not found yet: the cause may be recorded after its effect (deliveries are unordered). */
interface PendingEffect {
  readonly entry: MapEntry;
  readonly since: number;
}
/** How long an effect waits for its cause to come through the feed before one point read settles it. */
export const PENDING_CAUSE_MS = 30_000;

/**
 * How far back each read reaches past the newest entry seen (Cosmos `_ts`, seconds): a batch committed a moment before
 * another can become visible after it on another replica or physical partition. Entries read twice are counted once.
 */
export const LATE_COMMIT_SECONDS = 5;

export interface EventMapWindow {
  /** Folds newly read entries in (an entry read twice is counted once), then pairs effects with causes. */
  add(entries: readonly MapEntry[], lookupCause: CauseLookup, nowMs: number): Promise<void>;
  setIncidents(incidents: IncidentSnapshot): void;
  /** Stalled flows now, each with the edges it waits on. */
  setStalled(stalled: readonly { readonly correlationId: string; readonly edges: readonly EdgeKey[] }[]): void;
  view(windowMs: number, nowMs: number): MapWindowView;
  /** The newest `_ts` read: the next read starts LATE_COMMIT_SECONDS before it. */
  readonly lastTs: number;
  /** Events in memory, for the cost figures. */
  readonly remembered: number;
}

export const createEventMapWindow = (coverageFromMs: number): EventMapWindow => {
  const minutes = new Map<number, Map<EdgeKey, EdgeMinute>>();
  const recent = new Map<string, RememberedEvent>();
  let pending: PendingEffect[] = [];
  let incidents: IncidentSnapshot = { deadLetters: null, poison: null, failedDeliveries: null };
  let stalled: readonly { readonly correlationId: string; readonly edges: readonly EdgeKey[] }[] = [];
  let lastTs = Math.floor(coverageFromMs / 1000);

  const edgeMinute = (timeMs: number, edge: EdgeKey): EdgeMinute => {
    const minute = Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
    let byEdge = minutes.get(minute);
    if (!byEdge) minutes.set(minute, (byEdge = new Map<EdgeKey, EdgeMinute>()));
    let cell = byEdge.get(edge);
    if (!cell) byEdge.set(edge, (cell = { count: 0, latencies: new Map(), flows: [] }));
    return cell;
  };

  const addLatency = (cause: { type: string; timeMs: number; answeredBy?: Set<string> }, effect: MapEntry, remembered: boolean): boolean => {
    const service = publishingService(effect.source);
    const edge = service ? answeringEdge(cause.type, service, effect.type) : undefined;
    if (!edge || cause.timeMs < coverageFromMs || cause.answeredBy?.has(edge.functionName)) return edge !== undefined;
    // Created on a cause's first answer only: most events in memory are never a cause (the outcomes).
    if (remembered) (cause.answeredBy ??= new Set()).add(edge.functionName);
    const cell = edgeMinute(cause.timeMs, edge.key);
    const bin = latencyBin(Math.max(0, effect.timeMs - cause.timeMs));
    cell.latencies.set(bin, (cell.latencies.get(bin) ?? 0) + 1);
    return true;
  };

  const prune = (nowMs: number) => {
    const oldest = nowMs - MAX_WINDOW_MS - MINUTE_MS;
    for (const minute of minutes.keys()) if (minute < oldest) minutes.delete(minute);
    for (const [id, event] of recent) {
      // Insertion order is read order: the first one young enough ends the sweep.
      if (nowMs - event.insertedAt <= CAUSE_MEMORY_MS) break;
      recent.delete(id);
    }
  };

  return {
    get lastTs() {
      return lastTs;
    },
    get remembered() {
      return recent.size;
    },
    async add(entries, lookupCause, nowMs) {
      const fresh: MapEntry[] = [];
      // What the last read returned up to the margin is in memory or counted: a source that answers more is not believed.
      const readFrom = lastTs - LATE_COMMIT_SECONDS;
      for (const entry of entries) {
        lastTs = Math.max(lastTs, entry.ts);
        if (entry.ts < readFrom || recent.has(entry.id) || !isEventType(entry.type)) continue;
        recent.set(entry.id, { type: entry.type, timeMs: entry.timeMs, correlationId: entry.correlationId, insertedAt: nowMs });
        fresh.push(entry);
        if (entry.timeMs < coverageFromMs) continue;
        for (const edge of edgesByType.get(entry.type) ?? []) {
          const cell = edgeMinute(entry.timeMs, edge.key);
          cell.count += 1;
          if (!cell.flows.includes(entry.correlationId)) {
            cell.flows.push(entry.correlationId);
            if (cell.flows.length > FLOWS_PER_EDGE_MINUTE) cell.flows.shift();
          }
        }
      }
      const effects = [...pending, ...fresh.filter((e) => e.causationId !== undefined).map((entry) => ({ entry, since: nowMs }))];
      pending = [];
      for (const effect of effects) {
        const cause = recent.get(effect.entry.causationId!);
        if (cause) {
          addLatency(cause, effect.entry, true);
          continue;
        }
        if (nowMs - effect.since < PENDING_CAUSE_MS) {
          pending.push(effect);
          continue;
        }
        // Older than memory, or never recorded: one point read in the flow's partition settles it either way.
        const found = await lookupCause(effect.entry.causationId!, effect.entry.correlationId);
        if (found) addLatency(found, effect.entry, false);
      }
      prune(nowMs);
    },
    setIncidents(next) {
      incidents = next;
    },
    setStalled(next) {
      stalled = next;
    },
    view(windowMs, nowMs) {
      const fromMs = Math.floor((nowMs - windowMs) / MINUTE_MS) * MINUTE_MS;
      const cells = [...minutes.entries()].filter(([minute]) => minute >= fromMs).sort(([a], [b]) => b - a);
      const inWindow = (list: readonly MapIncident[] | null) => (list === null ? null : list.filter((i) => i.timeMs >= fromMs));
      const windowed = { deadLetters: inWindow(incidents.deadLetters), poison: inWindow(incidents.poison), failedDeliveries: inWindow(incidents.failedDeliveries) };
      const tally = (list: readonly MapIncident[] | null, edge: EdgeKey) => (list === null ? null : list.filter((i) => i.edge === edge).length);
      const edges = mapEdges.map((edge): EdgeView => {
        let count = 0;
        const latencies = new Map<number, number>();
        const flows: string[] = [];
        for (const [, byEdge] of cells) {
          const cell = byEdge.get(edge.key);
          if (!cell) continue;
          count += cell.count;
          for (const [bin, n] of cell.latencies) latencies.set(bin, (latencies.get(bin) ?? 0) + n);
          for (const flow of [...cell.flows].reverse()) if (flows.length < FLOWS_PER_EDGE && !flows.includes(flow)) flows.push(flow);
        }
        const deadLetters = tally(windowed.deadLetters, edge.key);
        const poison = tally(windowed.poison, edge.key);
        const failedDeliveries = tally(windowed.failedDeliveries, edge.key);
        const failures = deadLetters === null && poison === null ? null : (deadLetters ?? 0) + (poison ?? 0);
        const stalledFlows = stalled.filter((s) => s.edges.includes(edge.key)).map((s) => s.correlationId);
        // A flow that had trouble here is listed first, whether or not its events were in memory.
        const troubled = [
          ...stalledFlows,
          ...[windowed.deadLetters, windowed.poison, windowed.failedDeliveries].flatMap((l) => (l ?? []).filter((i) => i.edge === edge.key).flatMap((i) => (i.correlationId ? [i.correlationId] : []))),
        ];
        let answered = 0;
        for (const n of latencies.values()) answered += n;
        return {
          edge: edge.key,
          type: edge.type,
          from: edge.from,
          to: edge.to,
          functionName: edge.functionName,
          count,
          answered,
          p50Ms: percentileOf(latencies, 0.5) ?? null,
          p95Ms: percentileOf(latencies, 0.95) ?? null,
          failedDeliveries,
          deadLetters,
          poison,
          failures,
          stalled: stalledFlows.length,
          trouble: (failures ?? 0) > 0 || (failedDeliveries ?? 0) > 0 || stalledFlows.length > 0,
          flows: [...new Set([...troubled, ...flows])].slice(0, FLOWS_PER_EDGE),
        };
      });
      return { fromMs, coverageFromMs, edges };
    },
  };
};

/** The edges a stalled flow waits on: for each reaction it waits for, the edges of that reaction its event types took. */
export const stalledEdgesOf = (waitingFor: readonly string[], stepTypes: readonly string[]): EdgeKey[] =>
  mapEdges.filter((e) => waitingFor.includes(e.functionName) && stepTypes.includes(e.type)).map((e) => e.key);

export interface MapNode {
  readonly service: string;
  /** Column (hops from a service that starts a flow) and row within it: the page draws from these. */
  readonly column: number;
  readonly row: number;
}

/**
 * Services laid out by their shortest distance from the services that publish a flow's first event (src/flows.ts),
 * breadth first along the manifest's edges; services no edge reaches (the journal) go last.
 */
export const mapNodes: readonly MapNode[] = (() => {
  const depth = new Map<string, number>(flowNames.map((f) => [eventCatalog[flows[f].startedBy].publisher, 0]));
  const queue = [...depth.keys()];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const edge of mapEdges.filter((e) => e.from === from)) {
      if (!depth.has(edge.to)) {
        depth.set(edge.to, depth.get(from)! + 1);
        queue.push(edge.to);
      }
    }
  }
  const last = Math.max(0, ...depth.values()) + 1;
  const rows = new Map<number, number>();
  return serviceNames.map((service) => {
    const column = depth.get(service) ?? last;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    return { service, column, row };
  });
})();
