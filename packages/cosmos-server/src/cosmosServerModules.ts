/**
 * The modules of `@vercel/cosmosdb-server` and of its query engine (`@zeit/cosmosdb-query`) that the local stack's
 * patches reach into (cosmosServer.ts, cosmosTtl.ts, cosmosPartitionQueries.ts, cosmosLinearQueries.ts): one list, so
 * a version of either package that moves a file is mended in one place.
 */
export const cosmosServerModules = {
  account: "@vercel/cosmosdb-server/lib/account",
  items: "@vercel/cosmosdb-server/lib/account/items",
  routes: "@vercel/cosmosdb-server/lib/routes",
  batchHandler: "@vercel/cosmosdb-server/lib/handler/batch-documents",
  queryHandler: "@vercel/cosmosdb-server/lib/handler/query-documents",
  documentOperations: "@vercel/cosmosdb-server/lib/handler/_document-operations",
  partitionFromHeader: "@vercel/cosmosdb-server/lib/utils/get-partition-from-header",
  queryTransformer: "@zeit/cosmosdb-query/lib/transformer",
  queryHelpers: "@zeit/cosmosdb-query/lib/helpers",
} as const;
