import { z } from "zod";
import { CloudEventEnvelope } from "../../events/envelope";
import { FlowName, flowNames, flows } from "../../flows";
import { documentSchema } from "../../platform/documentSchema";
import { earlier, later } from "./flowSteps";

/**
 * One per flow, next to its events in the flow's partition (pk = correlation id), kept with ETags by the journal.
 * Listing flows reads these only, never the events: see listFlowSummaries for the cost at scale. It holds only what
 * the listing needs, so only the flow's starting event and its outcome events write it (two or three writes per
 * flow, not one per event); what a flow's events were is read from its entries (flowSteps.ts).
 */
export const flowSummaryDocumentSchema = documentSchema("flowSummary", {
  /** The flow its starting event (or, until that is journaled, an outcome event) names; see `summaryRoleOf`. */
  flow: z.enum(flowNames),
  /** The starting event's time once journaled (`startSeen`); until then the earliest outcome event's time. */
  startedAt: z.string(),
  startSeen: z.boolean(),
  /** Set by the first outcome event; a failure outcome wins over a success outcome. */
  ended: z.enum(["completed", "failed"]).nullable(),
  /** The earliest outcome event of the kind `ended` says; null while running. */
  endedAt: z.string().nullable(),
  /** The latest time the summary took in (start or outcome): the listing's newest-first order. */
  lastChangedAt: z.string(),
  /** When the journal warned that this flow is stalled: it warns once per flow. */
  stalledWarnedAt: z.string().optional(),
});
export type FlowSummaryDocument = z.infer<typeof flowSummaryDocumentSchema>;

/**
 * Not `flowSummary`, the id of the summary that listed every event as a step (replaced on every event, before
 * 2026-12-06): a container may still hold those until their TTL expires, and nothing reads them (the listing and the
 * flow view name this id), so no stored summary of the old shape fails this schema.
 */
export const FLOW_SUMMARY_ID = "summary";

/** What an event type means to a flow's summary: it starts the flow, or ends it well or badly. */
export interface SummaryRole {
  readonly flow: FlowName;
  readonly role: "start" | "completed" | "failed";
}

/**
 * The summary role of an event type, or undefined for the events in the middle of a flow (and those of no flow), which
 * leave the summary alone. A type has at most one role in one flow (test/unit/services/journal/flowSummary.test.ts
 * checks flows.ts), which is what makes the fold below order-independent.
 */
export const summaryRoleOf = (type: string): SummaryRole | undefined => {
  for (const flow of flowNames) {
    const definition = flows[flow];
    if (definition.startedBy === type) return { flow, role: "start" };
    if ((definition.failedWith as readonly string[]).includes(type)) return { flow, role: "failed" };
    if ((definition.succeededWith as readonly string[]).includes(type)) return { flow, role: "completed" };
  }
  return undefined;
};

const severity = { completed: 1, failed: 2 } as const;

/**
 * The summary after one more event. Every field is a fold that gives the same answer whichever order the events came
 * in, and taking an event in twice changes nothing (so a redelivery writes nothing): `startedAt` is the starting
 * event's time once seen (before, the earliest time seen), `ended` the most severe outcome seen and `endedAt` the
 * earliest time of that kind, `lastChangedAt` the latest time seen. An outcome of another flow than the one the
 * summary is about is left out. Undefined: the event does not touch the summary (and there is none yet).
 */
export const addToSummary = (
  summary: FlowSummaryDocument | undefined,
  event: Pick<CloudEventEnvelope, "type" | "time" | "correlationid">,
  ttlSeconds: number,
): FlowSummaryDocument | undefined => {
  const role = summaryRoleOf(event.type);
  if (!role) return summary;
  const base: FlowSummaryDocument = summary ?? {
    id: FLOW_SUMMARY_ID,
    pk: event.correlationid,
    kind: "flowSummary",
    flow: role.flow,
    startedAt: event.time,
    startSeen: false,
    ended: null,
    endedAt: null,
    lastChangedAt: event.time,
  };
  if (role.flow !== base.flow) return summary;
  const lastChangedAt = later(base.lastChangedAt, event.time);
  if (role.role === "start") {
    const startedAt = base.startSeen ? earlier(base.startedAt, event.time) : event.time;
    return { ...base, startedAt, startSeen: true, lastChangedAt, ttl: ttlSeconds };
  }
  const startedAt = base.startSeen ? base.startedAt : earlier(base.startedAt, event.time);
  const current = base.ended === null ? 0 : severity[base.ended];
  const ended = severity[role.role] >= current ? role.role : base.ended;
  const endedAt = severity[role.role] > current ? event.time : severity[role.role] === current ? earlier(base.endedAt ?? event.time, event.time) : base.endedAt;
  return { ...base, startedAt, ended, endedAt, lastChangedAt, ttl: ttlSeconds };
};

/** The summary of a flow rebuilt from its events (a flow read before its summary was written, checks and tests). */
export const summaryOfEvents = (events: readonly CloudEventEnvelope[], ttlSeconds: number): FlowSummaryDocument | undefined =>
  events.reduce<FlowSummaryDocument | undefined>((summary, event) => addToSummary(summary, event, ttlSeconds), undefined);

export const isFlowName = (value: unknown): value is FlowName => flowNames.includes(value as FlowName);
