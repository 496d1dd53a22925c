import { ServiceModule, noPorts } from "../../platform/serviceModule";
import { getFlow } from "./getFlowHttp";
import { recordEventInJournal } from "./recordEventInJournal";

export const journalService: ServiceModule = {
  name: "journal",
  reactions: [recordEventInJournal],
  http: { getFlow },
  createPorts: noPorts,
};
