import { ServiceRuntime } from "../../platform/runtime";
import { Versioned } from "../../platform/store";
import { FlowSummaryDocument } from "./flowSummary";
import { JournalPorts } from "./ports";
import { warnStalledFlowsOnce } from "./stalledWarning";

/** At most this many stalled flows are looked at per run; the next run takes the rest. */
const STALLED_PER_RUN = 500;

/**
 * The journal's timer: finds flows past their deadline without an outcome and warns once per flow (log line and the
 * `choreography.flows.stalled` metric the Bicep alert watches), so a stalled flow is noticed without anyone reading it.
 */
export const warnStalledFlows = async (rt: ServiceRuntime<JournalPorts>, log: { warn(line: string): void }): Promise<string | undefined> => {
  const now = rt.clock();
  const stalled = await rt.ports.flowIndex.listFlowSummaries({ status: "stalled", limit: STALLED_PER_RUN, now });
  let warned = 0;
  await warnStalledFlowsOnce(stalled as Versioned<FlowSummaryDocument>[], {
    store: rt.store,
    flowIndex: rt.ports.flowIndex,
    deadlines: rt.ports.settings.deadlinesInMs,
    now,
    warn: (line) => {
      warned++;
      log.warn(line);
    },
  });
  return warned > 0 ? `${warned} flow(s) newly stalled` : undefined;
};
