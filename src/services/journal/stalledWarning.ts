import { metrics } from "@opentelemetry/api";
import { ConcurrencyConflictError } from "../../platform/errors";
import { DocumentStore, Versioned, stripSystemProperties } from "../../platform/store";
import { FlowIndex } from "./flowIndex";
import { latestOf } from "./flowSteps";
import { FlowSummaryDocument } from "./flowSummary";
import { Deadlines, deadlineOf, statusOf, waitingFor } from "./flowStatus";

/** In Azure, exported to Application Insights (customMetrics) by the Azure Monitor OpenTelemetry distro: alert on it. */
const stalledFlows = metrics.getMeter("azure-choreography").createCounter("choreography.flows.stalled", {
  description: "Flows found past their deadline without an outcome event, counted once per flow",
});

/**
 * Logs one warning per stalled flow (and counts it in the `choreography.flows.stalled` metric), the first time a read finds it stalled, and remembers that on the summary
 * (with its ETag, so two readers rarely both warn and never overwrite a newer summary). Stalling is noticed by the
 * journal's `warnStalledFlows` timer every minute, and by any read of the flows before that. What the flow waits for
 * is read from its entries (one projected query per flow about to be warned about), unless the caller has them already.
 */
export const warnStalledFlowsOnce = async (
  summaries: readonly Versioned<FlowSummaryDocument>[],
  deps: { readonly store: DocumentStore; readonly flowIndex: Pick<FlowIndex, "listFlowSteps">; readonly deadlines: Deadlines; readonly now: Date; readonly warn: (line: string) => void },
): Promise<void> => {
  const fresh = summaries.filter((s) => !s.stalledWarnedAt && statusOf(s, deps.deadlines, deps.now) === "stalled");
  await Promise.all(
    fresh.map(async (summary) => {
      // Read before the summary is marked: a failed read then leaves the flow to warn about on the next run.
      const steps = await deps.flowIndex.listFlowSteps(summary.pk);
      try {
        await deps.store.commit(summary.pk, [
          { op: "replace", document: { ...stripSystemProperties(summary), stalledWarnedAt: deps.now.toISOString() }, ifMatch: summary._etag },
        ]);
      } catch (error) {
        // The summary changed meanwhile (an outcome, or another reader warned): the next read decides again.
        if (error instanceof ConcurrencyConflictError) return;
        throw error;
      }
      stalledFlows.add(1, { "choreography.flow": summary.flow });
      const waiting = waitingFor(summary.flow, steps);
      const last = latestOf(steps);
      deps.warn(
        `[flow ${summary.pk}] stalled: ${summary.flow} flow started ${summary.startedAt}, no outcome within ` +
          `${deadlineOf(summary.flow, deps.deadlines)} ms; last event ${last?.type ?? "none"} at ${last?.time ?? "never"}; ` +
          `waiting for ${waiting.join(", ") || "nothing the manifest knows"}`,
      );
    }),
  );
};
