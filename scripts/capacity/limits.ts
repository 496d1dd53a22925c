import { PRICES } from "../bench/cost";

/** A published limit: its value, the unit the capacity table shows it in, and the page that says so. */
export interface Limit {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
}

const EVENT_GRID_LIMITS = "https://learn.microsoft.com/azure/event-grid/quotas-limits";
const COSMOS_LIMITS = "https://learn.microsoft.com/azure/cosmos-db/concepts-limits";
const FLEX_PLAN = "https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan";

/**
 * Azure's published limits the capacity model checks demand against, as looked up on 2026-12-06 (re-check before
 * relying on one: the pages change). Each is the default; the ones marked raisable can be raised by a support request.
 */
export const LIMITS = {
  /** Custom topic publish rate (ingress): 5,000 events or 5 MB per second, whichever comes first. */
  topicEventsPerSecond: { value: 5_000, unit: "events/s", source: EVENT_GRID_LIMITS },
  topicMegabytesPerSecond: { value: 5, unit: "MB/s", source: EVENT_GRID_LIMITS },
  /**
   * Event Grid publishes no delivery rate per subscription of a custom topic; each event reaches a subscription at most
   * once per attempt, so its own topic's ingress bounds it (retries aside).
   */
  subscriptionEventsPerSecond: { value: 5_000, unit: "events/s", source: EVENT_GRID_LIMITS },
  /** Event subscriptions per custom topic. */
  subscriptionsPerTopic: { value: 500, unit: "subscriptions", source: EVENT_GRID_LIMITS },
  /** One logical partition: 10,000 RU/s and 20 GB, whatever the container's throughput. */
  partitionKeyRuPerSecond: { value: 10_000, unit: "RU/s", source: COSMOS_LIMITS },
  partitionKeyStorageGb: { value: 20, unit: "GB", source: COSMOS_LIMITS },
  /** A container with dedicated provisioned throughput (raisable). */
  containerRuPerSecond: { value: 1_000_000, unit: "RU/s", source: COSMOS_LIMITS },
  /** A serverless container (what infra/modules/cosmos.bicep deploys today), until its data passes 250 GB. */
  serverlessContainerRuPerSecond: { value: 5_000, unit: "RU/s", source: "https://learn.microsoft.com/azure/cosmos-db/serverless-performance" },
  /** `maximumInstanceCount` of one Flex Consumption app (infra/main.bicep sets 40 by default). */
  flexInstancesPerApp: { value: 1_000, unit: "instances", source: FLEX_PLAN },
  /** All Flex Consumption instances of a subscription in one region: 250 cores = 512,000 MB (raisable). */
  flexRegionalMemoryMb: { value: 512_000, unit: "MB", source: `${FLEX_PLAN}#regional-subscription-memory-quotas` },
  /**
   * Executions one instance runs at once: the HTTP trigger default for 2,048 MB instances. Event Grid delivers to the
   * webhook, so the model assumes the same for Event Grid triggers (the platform does not publish theirs).
   */
  flexPerInstanceConcurrency: { value: 16, unit: "executions", source: "https://learn.microsoft.com/azure/azure-functions/functions-concurrency#http-trigger-concurrency" },
} as const satisfies Record<string, Limit>;

/** Cores of one 2,048 MB Flex Consumption instance (the plan's instance sizes). */
export const CORES_PER_INSTANCE = 1;

/** Event Grid counts (and bills) an event per 64 KB chunk. */
export const EVENT_GRID_CHUNK_BYTES = 64 * 1024;

/**
 * The instance size the model counts in: the plan's default, 2,048 MB (1 core), as the bench's prices assume. CPU is
 * proportional to instance memory and the HTTP concurrency default grows with it (the plan's docs), so the quota in MB
 * a CPU-bound load needs does not depend on the size chosen; infra/main.bicep deploys 512 MB instances (`instanceMemoryMB`), at most 40 per app
 * (`maximumInstanceCount`): at a target like the issue's, raise both (infra/README, "Scale against the regional quota").
 */
export const INSTANCE_MEMORY_MB = PRICES.functionsInstanceMemoryGb * 1024;

/**
 * List prices the capacity model adds to the bench's (scripts/bench/cost.ts `PRICES`: Event Grid operations, Functions
 * executions and GB-s, Cosmos serverless RU): pay-as-you-go, East US, USD, looked up 2026-12-06; check them against
 * https://prices.azure.com/api/retail/prices before quoting a figure.
 */
export const CAPACITY_PRICES = {
  /** Cosmos DB standard provisioned throughput (manual), single-region writes, per 100 RU/s per hour. */
  cosmosPer100RuPerSecondHour: 0.008,
  /** Cosmos DB transactional storage, per GB per month. */
  cosmosStoragePerGbMonth: 0.25,
  source: "https://azure.microsoft.com/pricing/details/cosmos-db/autoscale-provisioned/",
} as const;

/** The smallest manual throughput a container can have. */
export const MIN_CONTAINER_RU_PER_SECOND = 400;
/** Azure bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
