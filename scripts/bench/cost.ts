import type { StoreCounts, WriteCategory, WriteTally } from "./storeObserver";

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
 * RU model (https://learn.microsoft.com/azure/cosmos-db/request-units,
 * https://learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption): a point read is 1 RU per KB, a miss
 * 1 RU; a delete is charged as a 1 KB write; a failed batch 2 RU; a single-partition query ≈ 2.5 RU plus 1 RU per KB
 * returned (an assumption: query charges depend on the index work, which the local server cannot show).
 *
 * A write is `KB (rounded up per document) × writeBasePerKb + indexed terms × writePerIndexedTerm`, the terms counted
 * under the container's indexing policy (scripts/bench/indexTerms.ts). Microsoft documents that a write's charge grows
 * with the item's size and with the number of properties indexed ("Item indexing", "Item property count", "Indexed
 * properties" on the first page above), and that a 1 KB item written under the default policy costs ≈ 5 RU (4.95 in
 * the table on the second page); it publishes no split between the two. The model assumes half of that 5 RU is the
 * index: 2.5 RU per KB stored, and 0.125 RU for each of the 20 terms of a typical 1 KB item (≈ 50 bytes a property).
 * Both layouts (each container's policy, and index-everything, the previous one) are priced with the same model on the
 * same writes, so their ratio depends on that split: with more of the 5 RU in storage, the saving shrinks.
 */
export const RU = {
  readPerKb: 1,
  miss: 1,
  writeBasePerKb: 2.5,
  writePerIndexedTerm: 0.125,
  deleteWrite: 5,
  queryBase: 2.5,
  queryPerKb: 1,
  failedBatch: 2,
} as const;

export type RuCategory = WriteCategory | "reads" | "queries" | "deletes";

/** Which indexing the writes are priced under: each container's policy (this commit), or index-everything (before). */
export type IndexLayout = "policy" | "indexEverything";

const writeRu = (w: WriteTally, layout: IndexLayout) =>
  w.kbCeil * RU.writeBasePerKb + (layout === "policy" ? w.indexedTerms : w.indexedTermsIfIndexEverything) * RU.writePerIndexedTerm;

export const ruByCategory = (c: StoreCounts, layout: IndexLayout = "policy"): Record<RuCategory, number> => ({
  inbox: writeRu(c.writes.inbox, layout),
  outbox: writeRu(c.writes.outbox, layout),
  state: writeRu(c.writes.state, layout),
  journal: writeRu(c.writes.journal, layout),
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
