import { FlowName, flowNames } from "../../flows";
import { listReactions } from "../../topology";
import { FlowStep, FlowSummaryDocument } from "./flowSummary";

export const flowStatuses = ["running", "completed", "failed", "stalled"] as const;
export type FlowStatus = (typeof flowStatuses)[number];

export type Deadlines = Readonly<Record<FlowName, number>>;

/** A flow whose starting event is not journaled yet gets the most patient deadline: we do not know which it is. */
export const deadlineOf = (flow: FlowName | null, deadlines: Deadlines): number =>
  flow ? deadlines[flow] : Math.max(...flowNames.map((f) => deadlines[f]));

/** `stalled` is `running` past the flow's deadline: computed when read, so a changed deadline applies at once. */
export const statusOf = (summary: Pick<FlowSummaryDocument, "ended" | "flow" | "startedAt">, deadlines: Deadlines, now: Date): FlowStatus => {
  if (summary.ended) return summary.ended;
  return now.getTime() - Date.parse(summary.startedAt) > deadlineOf(summary.flow, deadlines) ? "stalled" : "running";
};

/** Reactions that take part in flows (the journal's catch-all subscription does not produce outcomes). */
const participatingReactions = listReactions().filter(
  (r): r is typeof r & { eventTypes: readonly string[] } => r.eventTypes !== undefined,
);

/**
 * The reactions (`<service>-<reaction>`, as the Functions host names them) that received one of the flow's events and
 * have not published anything in reaction to it yet: no journaled event has that event as its cause and that
 * reaction's service as its source. A reaction that legitimately publishes nothing for an event stays listed.
 */
export const waitingFor = (steps: readonly FlowStep[]): string[] => {
  const outcomes = new Set(steps.filter((s) => s.causationid !== undefined && s.service !== undefined).map((s) => `${s.causationid}\u0000${s.service}`));
  const waiting = new Set<string>();
  for (const step of steps) {
    for (const reaction of participatingReactions) {
      if (reaction.eventTypes.includes(step.type) && !outcomes.has(`${step.id}\u0000${reaction.service}`)) waiting.add(reaction.functionName);
    }
  }
  return [...waiting].sort();
};

/** A flow as `GET /api/flows` lists it (the exact shape acceptance tests read). */
export interface FlowListItem {
  readonly correlationId: string;
  readonly flow: FlowName | null;
  readonly status: FlowStatus;
  readonly startedAt: string;
  readonly lastEventAt: string;
  readonly lastEventType: string;
  readonly eventCount: number;
  readonly waitingFor: string[];
}

export const toFlowListItem = (summary: FlowSummaryDocument, deadlines: Deadlines, now: Date): FlowListItem => ({
  correlationId: summary.correlationId,
  flow: summary.flow,
  status: statusOf(summary, deadlines, now),
  startedAt: summary.startedAt,
  lastEventAt: summary.lastEventAt,
  lastEventType: summary.lastEventType,
  eventCount: summary.eventCount,
  waitingFor: waitingFor(summary.steps),
});
