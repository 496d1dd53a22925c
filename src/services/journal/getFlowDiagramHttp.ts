import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { readParam, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { flowDiagram } from "./diagram";
import { readFlow } from "./flowView";
import { JournalPorts } from "./ports";

/** GET /api/flows/{correlationId}/diagram: the flow as a Mermaid sequence diagram (text/plain). */
export const getFlowDiagram: HttpHandler<JournalPorts> = async (request, { store }) => {
  requireAppRole(request, APP_ROLES.flowsRead);
  const correlationId = readParam("correlationId", request.params.correlationId, routeIdSchema);
  const { events } = await readFlow(store, correlationId);
  return { status: 200, body: flowDiagram(correlationId, events), headers: { "content-type": "text/plain; charset=utf-8" } };
};
