import type { Container, SqlParameter, SqlQuerySpec } from "@azure/cosmos";
import { FlowName, flowNames } from "../../flows";
import { parseDocument } from "../../platform/documentSchema";
import { ReadOptions, StoredDocument } from "../../platform/store";
import { FlowSummaryDocument, flowSummaryDocumentSchema } from "./flowSummary";
import { Deadlines, FlowStatus } from "./flowStatus";

export interface FlowListQuery {
  readonly status?: FlowStatus;
  readonly flow?: FlowName;
  readonly limit: number;
  readonly now: Date;
}

/** Lists flow summaries, newest activity first. */
export interface FlowIndex {
  listFlowSummaries(query: FlowListQuery, options?: ReadOptions): Promise<FlowSummaryDocument[]>;
}

/**
 * One query over summary documents only (one per flow), never over events. `stalled` and `running` split on the
 * flow's start time against its deadline, so no background job has to flip a stored status.
 *
 * At 1M flows: the query is cross-partition (each flow is its own logical partition) but Cosmos DB serves
 * `TOP n … ORDER BY …` from the index in each physical partition and merges n rows per physical partition — the cost
 * grows with the number of physical partitions (tens of GB each), not with the number of flows or events.
 * infra/main.bicep gives the journal container composite indexes (kind ASC, lastEventAt DESC) and (kind ASC, flow ASC,
 * lastEventAt DESC). Cosmos DB uses a composite index for a filtered ORDER BY only when the equality-filtered
 * properties lead the ORDER BY, so they are named there too (a constant, they change no order); entries and summaries
 * expire with JOURNAL_TTL_DAYS, which bounds the total.
 */
export const flowSummaryQuery = (query: FlowListQuery, deadlines: Deadlines): SqlQuerySpec => {
  const parameters: SqlParameter[] = [{ name: "@limit", value: query.limit }];
  const conditions = ["c.kind = 'flowSummary'", "NOT IS_NULL(c.flow)"];
  if (query.flow) {
    parameters.push({ name: "@flow", value: query.flow });
    conditions.push("c.flow = @flow");
  }
  const startedBeforeDeadline = (past: boolean) =>
    `(${(query.flow ? [query.flow] : flowNames)
      .map((f) => {
        parameters.push({ name: `@cutoff_${f}`, value: new Date(query.now.getTime() - deadlines[f]).toISOString() });
        return `(c.flow = '${f}' AND c.startedAt ${past ? "<" : ">="} @cutoff_${f})`;
      })
      .join(" OR ")})`;
  switch (query.status) {
    case undefined:
      break;
    case "completed":
    case "failed":
      parameters.push({ name: "@ended", value: query.status });
      conditions.push("c.ended = @ended");
      break;
    case "running":
      conditions.push("IS_NULL(c.ended)", startedBeforeDeadline(false));
      break;
    case "stalled":
      conditions.push("IS_NULL(c.ended)", startedBeforeDeadline(true));
      break;
    default: {
      const never: never = query.status;
      throw new Error(`Unknown status ${String(never)}`);
    }
  }
  const orderBy = query.flow ? "c.kind ASC, c.flow ASC, c.lastEventAt DESC" : "c.kind ASC, c.lastEventAt DESC";
  return { query: `SELECT TOP @limit * FROM c WHERE ${conditions.join(" AND ")} ORDER BY ${orderBy}`, parameters };
};

export const createCosmosFlowIndex = (container: () => Container, deadlines: Deadlines): FlowIndex => ({
  async listFlowSummaries(query, options) {
    const { resources } = await container()
      .items.query<StoredDocument>(flowSummaryQuery(query, deadlines), { abortSignal: options?.abortSignal })
      .fetchAll();
    return resources.map((summary) => parseDocument(flowSummaryDocumentSchema, summary));
  },
});
