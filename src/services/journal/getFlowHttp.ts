import { requireAppRole } from "../../platform/appRoles";
import { readParam, json, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { deadlineOf, statusOf, waitingFor } from "./flowStatus";
import { readFlow } from "./flowView";
import { JournalPorts } from "./ports";
import { warnStalledFlowsOnce } from "./stalledWarning";

/**
 * GET /api/flows/{correlationId}: every event of one business flow, causes before effects, with the flow's status,
 * what it waits for (counting the reactions its dead letters and poison records name), and those dead letters and
 * poison records (`null` where they cannot be read).
 */
export const getFlow: HttpHandler<JournalPorts> = async (request, { store, ports, clock }, context) => {
  requireAppRole(request, "Flows.Read");
  const correlationId = readParam("correlationId", request.params.correlationId, routeIdSchema);
  const { events, summary, stored } = await readFlow(store, correlationId, ports.settings.entryTtlSeconds);
  const now = clock();
  const deadlines = ports.settings.deadlinesInMs;
  if (stored) await warnStalledFlowsOnce([stored], { store, deadlines, now, warn: (line) => context.warn(line) });
  const window = { correlationId, startedAt: summary.startedAt, lastEventAt: summary.lastEventAt, eventTypes: [...new Set(events.map((e) => e.type))] };
  const [deadLetters, poison] = await Promise.all([ports.incidents.deadLettersOf(window), ports.incidents.poisonOf(correlationId)]);
  return json(200, {
    correlationId,
    flow: summary.flow,
    status: statusOf(summary, deadlines, now),
    waitingFor: waitingFor(summary, { deadLetters, poison }),
    startedAt: summary.startedAt,
    lastEventAt: summary.lastEventAt,
    deadlineAt: new Date(Date.parse(summary.startedAt) + deadlineOf(summary.flow, deadlines)).toISOString(),
    events,
    deadLetters,
    poison,
  });
};
