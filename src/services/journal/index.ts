import { ServiceModule } from "../../define";
import { getDashboard } from "./dashboard/dashboardHttp";
import { getEventMap } from "./getEventMapHttp";
import { getFlowDiagram } from "./getFlowDiagramHttp";
import { getFlow } from "./getFlowHttp";
import { listFlows } from "./listFlowsHttp";
import { JournalPorts, createJournalPorts } from "./ports";
import { recordEventInJournal } from "./recordEventInJournal";
import { warnStalledFlows } from "./warnStalledFlowsTimer";

export const journalService: ServiceModule<"journal", JournalPorts> = {
  name: "journal",
  reactions: [recordEventInJournal],
  http: { getFlow, listFlows, getFlowDiagram, getDashboard, getEventMap },
  timers: { warnStalledFlows },
  createPorts: createJournalPorts,
};
