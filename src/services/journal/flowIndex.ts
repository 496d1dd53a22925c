import type { Container, SqlParameter, SqlQuerySpec } from "@azure/cosmos";
import { FlowName, flowNames } from "../../flows";
import { parseDocument } from "../../platform/documentSchema";
import { ReadOptions, StoredDocument } from "../../platform/store";
import { FLOW_STEP_PROJECTION, FlowStep, flowStepRowSchema, stepOf } from "./flowSteps";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, flowSummaryDocumentSchema } from "./flowSummary";
import { Deadlines, FlowStatus } from "./flowStatus";

export interface FlowListQuery {
  readonly status?: FlowStatus;
  readonly flow?: FlowName;
  readonly limit: number;
  readonly now: Date;
}

/**
 * The journal container's composite indexes (part of its indexing policy, src/containerIndexing.ts, which Bicep and the
 * local stack deploy; test/infra checks both against the queries below). A container that lacks them refuses the queries' ORDER BY, in Azure and in the local Cosmos server.
 */
export const JOURNAL_COMPOSITE_INDEXES = [
  [
    { path: "/kind", order: "ascending" },
    { path: "/lastChangedAt", order: "descending" },
  ],
  [
    { path: "/kind", order: "ascending" },
    { path: "/flow", order: "ascending" },
    { path: "/lastChangedAt", order: "descending" },
  ],
] as const;

/** What the journal reads of its container beyond the DocumentStore port. */
export interface FlowIndex {
  /** Flow summaries, the most recently started or ended first. */
  listFlowSummaries(query: FlowListQuery, options?: ReadOptions): Promise<FlowSummaryDocument[]>;
  /** A flow's steps from its entries: one single-partition query, projected to what a step needs (not the events' data). */
  listFlowSteps(correlationId: string, options?: ReadOptions): Promise<FlowStep[]>;
}

/**
 * One query over summary documents only (one per flow), never over events. `stalled` and `running` split on the
 * flow's start time against its deadline, so no background job has to flip a stored status.
 *
 * At 1M flows: the query is cross-partition (each flow is its own logical partition) but Cosmos DB serves
 * `TOP n … ORDER BY …` from the index in each physical partition and merges n rows per physical partition — the cost
 * grows with the number of physical partitions (tens of GB each), not with the number of flows or events.
 * The journal container's indexing policy (src/containerIndexing.ts) has the composite indexes (kind ASC, lastChangedAt
 * DESC) and (kind ASC, flow ASC, lastChangedAt DESC). Cosmos DB uses a composite index for a filtered ORDER BY only when the equality-filtered
 * properties lead the ORDER BY, so they are named there too (a constant, they change no order); entries and summaries
 * expire with JOURNAL_TTL_DAYS, which bounds the total.
 */
export const flowSummaryQuery = (query: FlowListQuery, deadlines: Deadlines, index: "composite" | "none" = "composite"): SqlQuerySpec => {
  const parameters: SqlParameter[] = [
    { name: "@limit", value: query.limit },
    { name: "@summaryId", value: FLOW_SUMMARY_ID },
  ];
  const conditions = ["c.kind = 'flowSummary'", "c.id = @summaryId"];
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
  const orderBy = index === "none" ? "c.lastChangedAt DESC" : query.flow ? "c.kind ASC, c.flow ASC, c.lastChangedAt DESC" : "c.kind ASC, c.lastChangedAt DESC";
  return { query: `SELECT TOP @limit * FROM c WHERE ${conditions.join(" AND ")} ORDER BY ${orderBy}`, parameters };
};

/** Cosmos DB's (and the local server's) answer to an ORDER BY no composite index of the container serves. */
const isMissingCompositeIndex = (error: unknown): boolean => error instanceof Error && /corresponding composite index/i.test(error.message);

export const createCosmosFlowIndex = (container: () => Container, deadlines: Deadlines, warn: (line: string) => void = console.warn): FlowIndex => {
  let index: "composite" | "none" = "composite";
  const run = async (spec: SqlQuerySpec, options: ReadOptions | undefined) =>
    (await container().items.query<StoredDocument>(spec, { abortSignal: options?.abortSignal }).fetchAll()).resources;
  return {
    async listFlowSummaries(query, options) {
      let resources: StoredDocument[];
      try {
        resources = await run(flowSummaryQuery(query, deadlines, index), options);
      } catch (error) {
        if (index === "none" || !isMissingCompositeIndex(error)) throw error;
        // A container created without JOURNAL_COMPOSITE_INDEXES (a local stack that does not declare them yet): the
        // listing still works, ordered by lastChangedAt alone, at a higher RU cost in Azure; said once per host.
        index = "none";
        warn("journal: the container has no composite index for the flow listing (JOURNAL_COMPOSITE_INDEXES); listing without it");
        resources = await run(flowSummaryQuery(query, deadlines, index), options);
      }
      return resources.map((summary) => parseDocument(flowSummaryDocumentSchema, summary));
    },
    async listFlowSteps(correlationId, options) {
      const { resources } = await container()
        .items.query<unknown>(
          {
            // The pk condition scopes the query on the local Cosmos server, which ignores the partitionKey option.
            query: `SELECT ${FLOW_STEP_PROJECTION} FROM c WHERE c.pk = @pk AND c.kind = 'journalEntry'`,
            parameters: [{ name: "@pk", value: correlationId }],
          },
          { partitionKey: correlationId, abortSignal: options?.abortSignal },
        )
        .fetchAll();
      return resources.map((row) => stepOf(flowStepRowSchema.parse(row)));
    },
  };
};
