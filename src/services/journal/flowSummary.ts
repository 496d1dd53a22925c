import { eventCatalog, isEventType } from "../../events/catalog";
import { CloudEventEnvelope } from "../../events/envelope";
import { z } from "zod";
import { FlowName, flowStartedBy, flows, flowNames } from "../../flows";
import { documentSchema } from "../../platform/documentSchema";

/**
 * One event of a flow as the summary remembers it: what `waitingFor` needs to tell who reacted to what (and the
 * journal to skip a redelivered event), nothing of its data nor its time (the events hold both). Read steps through
 * `flowSteps`, never `summary.steps`: that is the stored shape, which callers need not know.
 */
export interface FlowStep {
  readonly id: string;
  readonly type: string;
  /** The publishing service, from `source: /services/<service>`; absent for other sources. */
  readonly service?: string;
  readonly causationid?: string;
}

/**
 * A step as stored: a tuple `[id, type, cause?, service?]`, because the summary is replaced on every event, so each
 * byte here is written once per event of the flow, and a write costs 5 RU per KB started. The cause is the index in
 * `steps` of the step it names (steps are only ever appended, so an index never moves; a cause not listed yet, since
 * deliveries are unordered, is its id), or null for none. The service is left out when it is the catalog's publisher
 * of the type, as it is for every event the services publish; otherwise it is the 4th element (null: no service).
 * A five-event order summary is ~630 bytes (~800 as Cosmos returns it, with system properties; ~1,055 and 1,227 with
 * object steps and `correlationId`), a seven-event onboarding one ~790: each under the 1 KB a write is charged by.
 */
const compactStepSchema = z.union([
  z.tuple([z.string(), z.string()]),
  z.tuple([z.string(), z.string(), z.union([z.number().int().nonnegative(), z.string()]).nullable()]),
  z.tuple([z.string(), z.string(), z.union([z.number().int().nonnegative(), z.string()]).nullable(), z.string().nullable()]),
]);
type CompactStep = z.infer<typeof compactStepSchema>;

const storedStepsSchema = z
  .array(compactStepSchema)
  .readonly()
  .superRefine((steps, ctx) => {
    steps.forEach((step, index) => {
      const cause = step[2];
      // A cause is listed before its effect: an index that is not is no step of this summary.
      if (typeof cause === "number" && cause >= index) ctx.addIssue({ code: "custom", path: [index, 2], message: "cause is not an earlier step" });
    });
  });
type StoredStep = z.infer<typeof storedStepsSchema>[number];

/**
 * One per flow, next to its events in the flow's partition (pk = correlation id), kept with ETags by the journal.
 * Listing flows reads these only, never the events: see listFlowSummaries for the cost at scale. The correlation id
 * is `pk`.
 */
export const flowSummaryDocumentSchema = documentSchema("flowSummary", {
  /** Null until the flow's starting event has been journaled (deliveries are unordered), or for unknown flows. */
  flow: z.enum(flowNames).nullable(),
  startedAt: z.string(),
  lastEventAt: z.string(),
  lastEventType: z.string(),
  eventCount: z.number(),
  /** Set by the first outcome event; a failure outcome wins over a success outcome. */
  ended: z.enum(["completed", "failed"]).nullable(),
  /** Stored shape, read through `flowSteps`. */
  steps: storedStepsSchema,
  /** When the journal warned that this flow is stalled: it warns once per flow. */
  stalledWarnedAt: z.string().optional(),
});
export type FlowSummaryDocument = z.infer<typeof flowSummaryDocumentSchema>;

export const FLOW_SUMMARY_ID = "flowSummary";
/** A flow is a dozen events; the cap bounds the document (2 MB item limit) if something loops. */
export const MAX_FLOW_STEPS = 500;

export const publishingService = (source: string): string | undefined => /^\/services\/([a-z][a-zA-Z0-9-]*)$/.exec(source)?.[1];

const stepId = (step: StoredStep): string => step[0];
const stepType = (step: StoredStep): string => step[1];

const readStep = (step: StoredStep, steps: readonly StoredStep[]): FlowStep => {
  const [id, type, cause = null] = step;
  // Three elements or fewer: the catalog's publisher published it.
  const service = step.length === 4 ? step[3] : catalogPublisher(type);
  // The schema checked that a numeric cause is an earlier step.
  const causationid = typeof cause === "number" ? stepId(steps[cause]!) : cause;
  return { id, type, ...(service != null ? { service } : {}), ...(causationid !== null ? { causationid } : {}) };
};

/** The summary's steps as a reader wants them: the only way to read them. */
export const flowSteps = (summary: Pick<FlowSummaryDocument, "steps">): FlowStep[] =>
  summary.steps.map((step) => readStep(step, summary.steps));

const catalogPublisher = (type: string): string | undefined => (isEventType(type) ? eventCatalog[type].publisher : undefined);

const compactStepOf = (event: CloudEventEnvelope, steps: readonly StoredStep[]): CompactStep => {
  const service = publishingService(event.source) ?? null;
  const causationid = event.causationid || null;
  const causeIndex = causationid === null ? -1 : steps.findIndex((s) => stepId(s) === causationid);
  const cause = causeIndex >= 0 ? causeIndex : causationid;
  if (service !== null && service === catalogPublisher(event.type)) return cause === null ? [event.id, event.type] : [event.id, event.type, cause];
  return [event.id, event.type, cause, service];
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
  const nextSteps = steps.length < MAX_FLOW_STEPS ? [...steps, compactStepOf(event, steps)] : steps;
  const flow = summary?.flow ?? startedFlow;
  const isNewest = !summary || Date.parse(event.time) >= Date.parse(summary.lastEventAt);
  const startedAt = startedFlow ? event.time : summary ? (summary.flow ? summary.startedAt : earlier(summary.startedAt, event.time)) : event.time;
  return {
    id: FLOW_SUMMARY_ID,
    pk: event.correlationid,
    kind: "flowSummary",
    flow,
    startedAt,
    lastEventAt: summary ? later(summary.lastEventAt, event.time) : event.time,
    lastEventType: isNewest || !summary ? event.type : summary.lastEventType,
    eventCount: (summary?.eventCount ?? 0) + 1,
    ended: endingOf(flow, nextSteps.map(stepType)),
    steps: nextSteps,
    ...(summary?.stalledWarnedAt ? { stalledWarnedAt: summary.stalledWarnedAt } : {}),
    ttl: ttlSeconds,
  };
};

/** The summary of a flow rebuilt from its events (for checks and tests). */
export const summaryOfEvents = (events: readonly CloudEventEnvelope[], ttlSeconds: number): FlowSummaryDocument | undefined =>
  events.reduce<FlowSummaryDocument | undefined>((summary, event) => addToSummary(summary, event, ttlSeconds), undefined);

export const isFlowName = (value: unknown): value is FlowName => flowNames.includes(value as FlowName);
