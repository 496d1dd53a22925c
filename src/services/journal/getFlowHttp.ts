import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { readParam, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { deadlineOf, statusOf, waitingFor } from "./flowStatus";
import { latestOf, stepOf } from "./flowSteps";
import { readFlow } from "./flowView";
import { JournalPorts } from "./ports";
import { warnStalledFlowsOnce } from "./stalledWarning";

/**
 * 200 with the view and an ETag of its bytes, or 304 when the caller holds that version already (`If-None-Match`): a
 * page that polls a flow (the dashboard's browser revalidates by itself under `Cache-Control: no-cache`) gets a few
 * bytes until something changes.
 */
const withEtag = (request: HttpRequest, body: string): HttpResponseInit => {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = { etag, "cache-control": "no-cache" };
  const held = request.headers.get("if-none-match");
  if (held !== null && held.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) return { status: 304, headers };
  return { status: 200, body, headers: { "content-type": "application/json; charset=utf-8", ...headers } };
};

/**
 * GET /api/flows/{correlationId}: every event of one business flow, causes before effects, with the flow's status,
 * what it waits for (counting the reactions its dead letters and poison records name), and those dead letters and
 * poison records (`null` where they cannot be read).
 */
export const getFlow: HttpHandler<JournalPorts> = async (request, { store, ports, clock }, context) => {
  requireAppRole(request, APP_ROLES.flowsRead);
  const correlationId = readParam("correlationId", request.params.correlationId, routeIdSchema);
  const { events, head: known, stored } = await readFlow(store, correlationId);
  const now = clock();
  const deadlines = ports.settings.deadlinesInMs;
  const steps = events.map(stepOf);
  // The view has the flow's steps in hand: the warning is given them rather than querying them again.
  const flowIndex = { listFlowSteps: async () => steps };
  if (stored) await warnStalledFlowsOnce([stored], { store, flowIndex, deadlines, now, warn: (line) => context.warn(line) });
  // readFlow answers 404 for a flow without events: there is a latest one.
  const lastEventAt = latestOf(events)!.time;
  const window = { correlationId, startedAt: known.startedAt, lastEventAt, eventTypes: [...new Set(events.map((e) => e.type))] };
  const [deadLetters, poison] = await Promise.all([ports.incidents.deadLettersOf(window), ports.incidents.poisonOf(correlationId)]);
  const head = {
    correlationId,
    flow: known.flow,
    status: statusOf(known, deadlines, now),
    waitingFor: waitingFor(known.flow, steps, { deadLetters, poison }),
    startedAt: known.startedAt,
    endedAt: known.endedAt,
    lastEventAt,
    deadlineAt: new Date(Date.parse(known.startedAt) + deadlineOf(known.flow, deadlines)).toISOString(),
  };
  return withEtag(request, JSON.stringify({ ...head, events, deadLetters, poison }));
};
