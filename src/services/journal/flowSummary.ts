import { CloudEventEnvelope } from "../../events/envelope";
import { z } from "zod";
import { FlowName, flowStartedBy, flows, flowNames } from "../../flows";
import { documentSchema } from "../../platform/documentSchema";

/**
 * One event of a flow as the summary remembers it: what `waitingFor` needs to tell who reacted to what (and the
 * journal to skip a redelivered event), nothing of its data nor its time (the events hold both). The summary is
 * replaced on every event, so each byte here is written once per event of the flow: a five-event order flow's summary
 * is about 1.1 KB (steps ~145 bytes each; with `time` they were ~178). Summaries written before keep `time` on their
 * older steps (a loose object keeps it through every rewrite); nothing reads it.
 */
export const flowStepSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  /** The publishing service, from `source: /services/<service>`; absent for other sources. */
  service: z.string().optional(),
  causationid: z.string().optional(),
});
export type FlowStep = z.infer<typeof flowStepSchema>;

/**
 * One per flow, next to its events in the flow's partition (pk = correlation id), kept with ETags by the journal.
 * Listing flows reads these only, never the events: see listFlowSummaries for the cost at scale.
 */
export const flowSummaryDocumentSchema = documentSchema("flowSummary", {
  correlationId: z.string(),
  /** Null until the flow's starting event has been journaled (deliveries are unordered), or for unknown flows. */
  flow: z.enum(flowNames).nullable(),
  startedAt: z.string(),
  lastEventAt: z.string(),
  lastEventType: z.string(),
  eventCount: z.number(),
  /** Set by the first outcome event; a failure outcome wins over a success outcome. */
  ended: z.enum(["completed", "failed"]).nullable(),
  steps: z.array(flowStepSchema).readonly(),
  /** When the journal warned that this flow is stalled: it warns once per flow. */
  stalledWarnedAt: z.string().optional(),
});
export type FlowSummaryDocument = z.infer<typeof flowSummaryDocumentSchema>;

export const FLOW_SUMMARY_ID = "flowSummary";
/** A flow is a dozen events; the cap bounds the document (2 MB item limit) if something loops. */
export const MAX_FLOW_STEPS = 500;

export const publishingService = (source: string): string | undefined => /^\/services\/([a-z][a-zA-Z0-9-]*)$/.exec(source)?.[1];

const stepOf = (event: CloudEventEnvelope): FlowStep => {
  const service = publishingService(event.source);
  return { id: event.id, type: event.type, ...(service ? { service } : {}), ...(event.causationid ? { causationid: event.causationid } : {}) };
};

const endingOf = (flow: FlowName | null, types: readonly string[]): FlowSummaryDocument["ended"] => {
  if (flow === null) return null;
  const definition = flows[flow];
  if (types.some((t) => (definition.failedWith as readonly string[]).includes(t))) return "failed";
  if (types.some((t) => (definition.succeededWith as readonly string[]).includes(t))) return "completed";
  return null;
};

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);

/**
 * The summary after one more event. Order-independent: events arrive in any order, so every field is a fold that
 * gives the same answer whichever event came first (the flow's start time is its starting event's time once seen).
 */
export const addToSummary = (summary: FlowSummaryDocument | undefined, event: CloudEventEnvelope, ttlSeconds: number): FlowSummaryDocument => {
  const startedFlow = flowStartedBy(event.type) ?? null;
  const steps = summary ? summary.steps : [];
  const nextSteps = steps.length < MAX_FLOW_STEPS ? [...steps, stepOf(event)] : steps;
  const flow = summary?.flow ?? startedFlow;
  const isNewest = !summary || Date.parse(event.time) >= Date.parse(summary.lastEventAt);
  const startedAt = startedFlow ? event.time : summary ? (summary.flow ? summary.startedAt : earlier(summary.startedAt, event.time)) : event.time;
  return {
    id: FLOW_SUMMARY_ID,
    pk: event.correlationid,
    kind: "flowSummary",
    correlationId: event.correlationid,
    flow,
    startedAt,
    lastEventAt: summary ? later(summary.lastEventAt, event.time) : event.time,
    lastEventType: isNewest || !summary ? event.type : summary.lastEventType,
    eventCount: (summary?.eventCount ?? 0) + 1,
    ended: endingOf(flow, nextSteps.map((s) => s.type)),
    steps: nextSteps,
    ...(summary?.stalledWarnedAt ? { stalledWarnedAt: summary.stalledWarnedAt } : {}),
    ttl: ttlSeconds,
  };
};

/** The summary of a flow rebuilt from its events (for flows journaled before summaries existed, and for checks). */
export const summaryOfEvents = (events: readonly CloudEventEnvelope[], ttlSeconds: number): FlowSummaryDocument | undefined =>
  events.reduce<FlowSummaryDocument | undefined>((summary, event) => addToSummary(summary, event, ttlSeconds), undefined);

export const isFlowName = (value: unknown): value is FlowName => flowNames.includes(value as FlowName);
