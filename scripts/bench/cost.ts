import type { StoreCounts, WriteCategory } from "./storeObserver";

/**
 * List prices, pay-as-you-go, region East US, in USD, as looked up on 2026-11-30 (free grants ignored: they matter
 * only at small volume). Check them against https://prices.azure.com/api/retail/prices before quoting a figure.
 */
export const PRICES = {
  /** Event Grid basic tier, per million operations: each event published (per 64 KB) and each delivery attempt
   *  (https://azure.microsoft.com/pricing/details/event-grid/). */
  eventGridPerMillionOperations: 0.6,
  /** Functions Flex Consumption, on demand: per million executions and per GB-s of instance memory while executing
   *  (https://azure.microsoft.com/pricing/details/functions/). */
  functionsPerMillionExecutions: 0.4,
  functionsPerGbSecond: 0.000026,
  /** Flex Consumption's default instance memory (2,048 MB); GB-s are instance memory × time executing. */
  functionsInstanceMemoryGb: 2,
  /** Cosmos DB serverless, per million RU (https://azure.microsoft.com/pricing/details/cosmos-db/serverless/). */
  cosmosPerMillionRu: 0.25,
} as const;

/**
 * RU model (https://learn.microsoft.com/azure/cosmos-db/request-units): a point read is 1 RU per KB, a miss 1 RU; a
 * write ≈ 5 RU per KB with default indexing; a delete is charged as a 1 KB write; a single-partition query ≈ 2.5 RU
 * plus 1 RU per KB returned (an assumption: query charges depend on the index work, which the local server cannot show).
 */
export const RU = { readPerKb: 1, miss: 1, writePerKb: 5, deleteWrite: 5, queryBase: 2.5, queryPerKb: 1, failedBatch: 2 } as const;

export type RuCategory = WriteCategory | "reads" | "queries" | "deletes";

export const ruByCategory = (c: StoreCounts): Record<RuCategory, number> => ({
  inbox: c.writes.inbox.kbCeil * RU.writePerKb,
  outbox: c.writes.outbox.kbCeil * RU.writePerKb,
  state: c.writes.state.kbCeil * RU.writePerKb,
  journal: c.writes.journal.kbCeil * RU.writePerKb,
  deletes: c.deletes * RU.deleteWrite + c.ops.batchFailed * RU.failedBatch,
  reads: c.readKbCeil * RU.readPerKb + c.ops.readMiss * RU.miss,
  queries: c.ops.query * RU.queryBase + c.queryKbCeil * RU.queryPerKb,
});

export interface FlowUsage {
  /** Per flow. */
  eventsPublished: number;
  deliveryAttempts: number;
  executions: number;
  /** Sum of every execution's duration (s): GB-s when executions never overlap (sparse traffic). */
  executionSeconds: number;
  /** Instance-seconds per flow when one instance runs flat out: 1 / its flows per second. */
  saturatedInstanceSeconds: number | undefined;
  ru: Record<RuCategory, number>;
}

export interface CostPerMillion {
  eventGrid: number;
  executions: number;
  gbSecondsLow: number;
  gbSecondsHigh: number;
  cosmos: number;
  cosmosByCategory: Record<RuCategory, number>;
  totalLow: number;
  totalHigh: number;
}

export const costPerMillionFlows = (u: FlowUsage): CostPerMillion => {
  const million = 1_000_000;
  // Per flow × a million flows × price per million: the millions cancel.
  const eventGrid = (u.eventsPublished + u.deliveryAttempts) * PRICES.eventGridPerMillionOperations;
  const executions = u.executions * PRICES.functionsPerMillionExecutions;
  const gbs = (seconds: number) => seconds * PRICES.functionsInstanceMemoryGb * PRICES.functionsPerGbSecond * million;
  const high = gbs(u.executionSeconds);
  const low = u.saturatedInstanceSeconds === undefined ? high : Math.min(high, gbs(u.saturatedInstanceSeconds));
  const cosmosByCategory = Object.fromEntries(
    Object.entries(u.ru).map(([k, ru]) => [k, ru * PRICES.cosmosPerMillionRu]),
  ) as Record<RuCategory, number>;
  const cosmos = Object.values(cosmosByCategory).reduce((a, b) => a + b, 0);
  return {
    eventGrid,
    executions,
    gbSecondsLow: low,
    gbSecondsHigh: high,
    cosmos,
    cosmosByCategory,
    totalLow: eventGrid + executions + low + cosmos,
    totalHigh: eventGrid + executions + high + cosmos,
  };
};
