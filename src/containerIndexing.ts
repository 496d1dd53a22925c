import { JOURNAL_COMPOSITE_INDEXES } from "./services/journal/flowIndex";
import type { ServiceName } from "./topology";

/**
 * What each service's container indexes: only the paths some query filters or orders on, everything else excluded.
 * Cosmos DB charges every write for each indexed term of the document written
 * (https://learn.microsoft.com/azure/cosmos-db/request-units, "indexed properties"; and
 * https://learn.microsoft.com/azure/cosmos-db/index-policy), so the default policy (index every path) charged the
 * journal for every field of every event it keeps, and the inbox for every event it carries, though no query reads them.
 *
 * The one declaration: infra/generated/indexing-policies.json (scripts/gen-infra.ts) gives it to Bicep, dev/stack.ts
 * creates the local containers with it, test/infra compares the compiled template with it, and the bench's RU model
 * (scripts/bench/cost.ts) charges writes by the terms it indexes. A new query on a new path adds its path here: a
 * filter on a path left out still answers in Azure, but by loading documents instead of seeking the index.
 */
export interface IndexedPath {
  /** A Cosmos index path: `/kind/?` is the scalar at `kind`. */
  readonly path: string;
  /** The query that needs it, so a reader can tell whether it can go. */
  readonly readBy: string;
}

type CompositeIndex = readonly { readonly path: string; readonly order: "ascending" | "descending" }[];

export interface ContainerIndexing {
  readonly paths: readonly IndexedPath[];
  readonly compositeIndexes?: readonly CompositeIndex[];
}

/**
 * Paths every container's documents are queried on by the platform. `id` is not listed: Cosmos DB always indexes it
 * (and `_ts`, which the journal lists anyway where its event map reads it). The partition key (`pk`) is not listed either: every query that names it
 * passes it as the partition key option, so Cosmos DB routes it to that logical partition instead of filtering.
 */
const PLATFORM_PATHS: readonly IndexedPath[] = [
  { path: "/kind/?", readBy: "the outbox relay (src/platform/publishing/outbox.ts) and the poison views (src/services/journal/flowIncidents.ts, eventMapFeed.ts)" },
  { path: "/sentAt/?", readBy: "the outbox relay: unsent outbox documents (NOT IS_DEFINED(c.sentAt))" },
  { path: "/parkedAt/?", readBy: "the poison views: poison parked since a time" },
  { path: "/event/correlationid/?", readBy: "a flow's poison (src/services/journal/flowIncidents.ts)" },
];

const RECONCILIATION_PATHS = (file: string): IndexedPath[] => [
  { path: "/status/?", readBy: `${file}: records stuck in a status` },
  { path: "/updatedAt/?", readBy: `${file}: stuck for longer than the grace period` },
];

/** Per service (each has one container); a service added to the manifest does not compile until it has its entry. */
export const CONTAINER_INDEXING: Readonly<Record<ServiceName, ContainerIndexing>> = {
  orders: { paths: PLATFORM_PATHS },
  inventory: { paths: PLATFORM_PATHS },
  payments: { paths: [...PLATFORM_PATHS, ...RECONCILIATION_PATHS("src/services/payments/reconcilePaymentsWithGateway.ts")] },
  invoicing: { paths: PLATFORM_PATHS },
  journal: {
    paths: [
      ...PLATFORM_PATHS,
      { path: "/flow/?", readBy: "the flow listing (src/services/journal/flowIndex.ts): by flow" },
      { path: "/lastChangedAt/?", readBy: "the flow listing: the most recently started or ended first" },
      { path: "/startedAt/?", readBy: "the flow listing: running or stalled by start time" },
      { path: "/ended/?", readBy: "the flow listing: completed or failed" },
      { path: "/_ts/?", readBy: "the event map's feed (src/services/journal/eventMapFeed.ts): entries written since a time" },
    ],
    compositeIndexes: JOURNAL_COMPOSITE_INDEXES,
  },
  users: { paths: PLATFORM_PATHS },
  email: { paths: PLATFORM_PATHS },
  crm: { paths: PLATFORM_PATHS },
  rewards: { paths: PLATFORM_PATHS },
  banking: { paths: [...PLATFORM_PATHS, ...RECONCILIATION_PATHS("src/services/banking/reconcileBankPayments.ts")] },
  ledger: { paths: PLATFORM_PATHS },
  notifications: { paths: PLATFORM_PATHS },
};

/** A container's indexing policy as Cosmos DB (ARM, the data plane, the local server) takes it; a fresh copy each time. */
export interface CosmosIndexingPolicy {
  indexingMode: "consistent";
  automatic: true;
  includedPaths: { path: string }[];
  excludedPaths: { path: string }[];
  compositeIndexes: { path: string; order: "ascending" | "descending" }[][];
}

/** Cosmos DB's default: every path but `_etag` (what every container had before these policies). */
export const INDEX_EVERYTHING: Readonly<CosmosIndexingPolicy> = {
  indexingMode: "consistent",
  automatic: true,
  includedPaths: [{ path: "/*" }],
  excludedPaths: [{ path: '/"_etag"/?' }],
  compositeIndexes: [],
};

export const indexingPolicyOf = (service: ServiceName): CosmosIndexingPolicy => {
  const { paths, compositeIndexes = [] } = CONTAINER_INDEXING[service];
  return {
    indexingMode: "consistent",
    automatic: true,
    includedPaths: paths.map(({ path }) => ({ path })),
    // `/*` excludes `_etag` too; it is named because Cosmos DB adds it to every policy it reads back.
    excludedPaths: [{ path: "/*" }, { path: '/"_etag"/?' }],
    compositeIndexes: compositeIndexes.map((index) => index.map((p) => ({ ...p }))),
  };
};
