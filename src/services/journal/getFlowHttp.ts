import { requireAppRole } from "../../platform/appRoles";
import { NotFoundError } from "../../platform/errors";
import { json, readParam, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { causalOrder } from "./causalOrder";
import { JournalEntryDocument } from "./recordEventInJournal";

/** GET /api/flows/{correlationId}: every event of one business flow, causes before effects. */
export const getFlow: HttpHandler<unknown> = async (request, { store }) => {
  requireAppRole(request, "Flows.Read");
  const correlationId = readParam("correlationId", request.params.correlationId, routeIdSchema);
  const entries = await store.queryDocuments<JournalEntryDocument>(correlationId, "c.kind = 'journalEntry'");
  if (entries.length === 0) throw new NotFoundError("FLOW.NOT_FOUND", `No events are recorded for correlation id ${correlationId}`);
  return json(200, { correlationId, events: causalOrder(entries.map((e) => e.event)) });
};
