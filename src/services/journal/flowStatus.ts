import { FlowName, QuietReaction, flowNames, flows } from "../../flows";
import { ServiceName, functionNameOf, listReactions, listSubscriptions, serviceNames, services } from "../../topology";
import { DeadLetterView, PoisonView } from "./flowIncidents";
import { FlowStep } from "./flowSteps";
import { FlowSummaryDocument } from "./flowSummary";

export const flowStatuses = ["running", "completed", "failed", "stalled"] as const;
export type FlowStatus = (typeof flowStatuses)[number];

export type Deadlines = Readonly<Record<FlowName, number>>;

/** A flow whose starting event is not journaled yet gets the most patient deadline: we do not know which it is. */
export const deadlineOf = (flow: FlowName | null, deadlines: Deadlines): number =>
  flow ? deadlines[flow] : Math.max(...flowNames.map((f) => deadlines[f]));

/** What a flow's status is computed from: its summary, or for a flow that has none yet, what its events say. */
export interface FlowHead {
  readonly flow: FlowName | null;
  readonly startedAt: string;
  readonly ended: FlowSummaryDocument["ended"];
}

/** `stalled` is `running` past the flow's deadline: computed when read, so a changed deadline applies at once. */
export const statusOf = (head: FlowHead, deadlines: Deadlines, now: Date): FlowStatus => {
  if (head.ended) return head.ended;
  return now.getTime() - Date.parse(head.startedAt) > deadlineOf(head.flow, deadlines) ? "stalled" : "running";
};

/**
 * Reactions that owe a flow an outcome: those the manifest says may publish something. The journal's catch-all
 * subscription and reactions with an empty `publishes` (openWallet, rememberRecipient: state only) never do.
 */
const owingReactions = listReactions().filter(
  (r): r is typeof r & { eventTypes: readonly string[] } =>
    r.eventTypes !== undefined && r.publishes.length > 0,
);

const functionNameBySubscription = new Map(listSubscriptions().map((s) => [s.name.toLowerCase(), s.functionName]));
const serviceByContainer = new Map<string, ServiceName>(serviceNames.map((s) => [services[s].container, s]));

/** The incidents of a flow that name a reaction: dead letters (by subscription) and poison records (by container). */
export interface ReactionIncidents {
  readonly deadLetters?: readonly Pick<DeadLetterView, "subscription">[] | null;
  readonly poison?: readonly Pick<PoisonView, "container" | "reaction">[] | null;
}

const stillOwed = (quiet: QuietReaction | undefined, held: ReadonlySet<string>): boolean =>
  !quiet ||
  ((quiet.owedOnceFlowHolds?.some((set) => set.every((t) => held.has(t))) ?? true) && !(quiet.settledBy?.some((t) => held.has(t)) ?? false));

/**
 * The reactions (`<service>-<reaction>`, as the Functions host names them) the flow still waits for:
 *
 * 1. a reaction that received one of the flow's events counts until its service publishes an event caused by it;
 * 2. unless the manifest says it publishes nothing at all (`publishes: []`): it never counts;
 * 3. or the flow's definition lists it in `quietReactions` (it may rightly publish nothing for an event): it counts
 *    only while the flow holds the events its `owedOnceFlowHolds` names and none that `settledBy` names. Until the
 *    flow's start or an outcome is journaled the flow is not known (`flow` null), and its quiet reactions count as in
 *    rule 1;
 * 4. a reaction with a dead letter or a poison record of the flow always counts: it will not answer by itself.
 *
 * Rules 1–3 read the flow's steps (its journal entries: see flowSteps.ts); rule 4 needs the incidents, which only the
 * view of one flow reads (`GET /api/flows/{id}`).
 */
export const waitingFor = (flow: FlowName | null, steps: readonly FlowStep[], incidents: ReactionIncidents = {}): string[] => {
  const outcomes = new Set(steps.filter((s) => s.causationid !== undefined && s.service !== undefined).map((s) => `${s.causationid}\u0000${s.service}`));
  const held = new Set(steps.map((s) => s.type));
  const quietReactions: Readonly<Record<string, QuietReaction>> = flow ? flows[flow].quietReactions : {};
  const waiting = new Set<string>();
  for (const step of steps) {
    for (const reaction of owingReactions) {
      if (!reaction.eventTypes.includes(step.type) || outcomes.has(`${step.id}\u0000${reaction.service}`)) continue;
      if (stillOwed(quietReactions[reaction.functionName], held)) waiting.add(reaction.functionName);
    }
  }
  for (const { subscription } of incidents.deadLetters ?? []) {
    const functionName = functionNameBySubscription.get(subscription.toLowerCase());
    if (functionName) waiting.add(functionName);
  }
  for (const { container, reaction } of incidents.poison ?? []) {
    const service = serviceByContainer.get(container);
    if (service) waiting.add(functionNameOf(service, reaction));
  }
  return [...waiting].sort();
};

/**
 * A flow as `GET /api/flows` lists it (the exact shape acceptance tests read): what its summary holds. What the flow
 * waits for, and its events, are in the view of the flow (`GET /api/flows/{id}`), which reads its entries.
 */
export interface FlowListItem {
  readonly correlationId: string;
  readonly flow: FlowName;
  readonly status: FlowStatus;
  readonly startedAt: string;
  readonly endedAt: string | null;
}

export const toFlowListItem = (summary: FlowSummaryDocument, deadlines: Deadlines, now: Date): FlowListItem => ({
  correlationId: summary.pk,
  flow: summary.flow,
  status: statusOf(summary, deadlines, now),
  startedAt: summary.startedAt,
  endedAt: summary.endedAt,
});
