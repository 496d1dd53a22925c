import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { z } from "zod";
import { flowNames } from "../../flows";
import { ValidationError } from "../../platform/errors";
import { json, zodFields } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { Versioned } from "../../platform/store";
import { FlowSummaryDocument } from "./flowSummary";
import { flowStatuses, toFlowListItem } from "./flowStatus";
import { JournalPorts } from "./ports";
import { warnStalledFlowsOnce } from "./stalledWarning";

export const MAX_FLOWS_PER_PAGE = 500;

const listFlowsQuerySchema = z.object({
  status: z.enum(flowStatuses).optional(),
  flow: z.enum(flowNames).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_FLOWS_PER_PAGE, `must be between 1 and ${MAX_FLOWS_PER_PAGE}`)
    .optional(),
});

/** GET /api/flows?status=&flow=&limit=: flows, the most recently started or ended first, from the per-flow summaries only. */
export const listFlows: HttpHandler<JournalPorts> = async (request, { store, ports, clock }, context) => {
  requireAppRole(request, APP_ROLES.flowsRead);
  const query = Object.fromEntries(["status", "flow", "limit"].flatMap((k) => (request.query.has(k) ? [[k, request.query.get(k)]] : [])));
  const parsed = listFlowsQuerySchema.safeParse(query);
  if (!parsed.success) {
    const fields = zodFields(parsed.error);
    throw new ValidationError(`Invalid query: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`, fields);
  }
  const now = clock();
  const deadlines = ports.settings.deadlinesInMs;
  const summaries = await ports.flowIndex.listFlowSummaries({ ...parsed.data, limit: parsed.data.limit ?? 50, now });
  await warnStalledFlowsOnce(summaries as Versioned<FlowSummaryDocument>[], { store, flowIndex: ports.flowIndex, deadlines, now, warn: (line) => context.warn(line) });
  return json(200, { flows: summaries.map((s) => toFlowListItem(s, deadlines, now)) });
};
