import type * as http from "node:http";
import { isExpired, ttlNow } from "./cosmosTtl";
import { cosmosServerModules } from "./cosmosServerModules";

/**
 * Single-partition queries for `@vercel/cosmosdb-server`, which ignores a query's partition key and evaluates the SQL
 * against every document of the container. In Cosmos DB a query with a partition key reads that logical partition
 * only; here, without this, `GET /api/flows/{id}` slowed down with every flow ever journaled (one scan of the whole
 * journal per read). So the server keeps an index partition → documents, and a query whose request names a partition
 * key (`x-ms-documentdb-partitionkey`, which `@azure/cosmos` sends for `{ partitionKey }`) is evaluated against that
 * partition's documents only. The SQL still runs in full, so a WHERE that contradicts the partition still filters.
 * Cross-partition queries keep the original path. The query plan the client requests beside each query is answered
 * over no documents (the server has no query plans; the client uses one only when the plain query fails). Install after cosmosTtl.ts (startCosmosServer does).
 */

const PATCHED = Symbol.for("azure-choreography.partitionQueries");

interface StoredItem {
  read(): Record<string, unknown> | undefined;
}

interface QueryOptions {
  readonly maxItemCount?: number | null;
  readonly continuation?: unknown;
  /** The partition key value the request named (already parsed from the header's JSON array). */
  readonly partitionKey?: unknown;
}

interface ItemsLike {
  _parent: { read(): Record<string, unknown> | undefined };
  _data: Map<string, StoredItem>;
  _getPartition(data: Record<string, unknown>): unknown;
  _item(keyPath: string, value: unknown, partition: unknown): StoredItem;
  // Properties, not methods: the patch keeps the originals and calls them with `.call(this, …)`.
  _set: (this: ItemsLike, data: Record<string, unknown>) => Record<string, unknown>;
  delete: (this: ItemsLike, idOrRid: string, partition: unknown) => void;
  query: (this: ItemsLike, params: unknown, options: QueryOptions) => unknown;
  /** Partition (as JSON) → `_rid`s of its documents. */
  __partitions?: Map<string, Set<string>>;
}

type RouteHandler = (account: unknown, req: http.IncomingMessage, res: http.ServerResponse, params: Record<string, string>) => Promise<unknown>;

const partitionKeyOf = (value: unknown): string => JSON.stringify(value ?? null);

const partitionsOf = (items: ItemsLike): Map<string, Set<string>> => {
  if (!items.__partitions) {
    // Built from what is stored the first time it is needed; kept up to date by _set and delete from then on.
    items.__partitions = new Map();
    for (const [rid, item] of items._data) {
      const doc = item.read();
      if (doc) addToIndex(items.__partitions, partitionKeyOf(items._getPartition(doc)), rid);
    }
  }
  return items.__partitions;
};

const addToIndex = (index: Map<string, Set<string>>, key: string, rid: string): void => {
  const rids = index.get(key) ?? new Set<string>();
  rids.add(rid);
  index.set(key, rids);
};

/** The header is a JSON array holding the partition key value (`["abc"]`); anything else is not a single partition. */
export const parsePartitionKeyHeader = (header: string | string[] | undefined): { readonly value: unknown } | undefined => {
  if (typeof header !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(header);
    return Array.isArray(parsed) && parsed.length === 1 ? { value: parsed[0] } : undefined;
  } catch {
    return undefined;
  }
};

const isQueryPlanRequest = (req: http.IncomingMessage): boolean =>
  String(req.headers["x-ms-cosmos-is-query-plan-request"] ?? "").toLowerCase() === "true";

/** A partition key no document has. */
const NO_DOCUMENTS = "\u0000no documents: query plan request";

export const installPartitionQueries = (): void => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const queryModule = require(cosmosServerModules.queryHandler) as { default: RouteHandler & { [PATCHED]?: true } };
  if (queryModule.default[PATCHED]) return;
  if (require.cache[require.resolve(cosmosServerModules.routes)]) {
    throw new Error(`${cosmosServerModules.routes} was loaded before the partition query patch; call startCosmosServer before anything that loads it.`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require(cosmosServerModules.items) as { default: { prototype: ItemsLike } }).default.prototype;
  const original = { _set: proto._set, delete: proto.delete, query: proto.query };

  proto._set = function (this: ItemsLike, data) {
    const stored = original._set.call(this, data);
    if (this.__partitions && typeof stored._rid === "string") addToIndex(this.__partitions, partitionKeyOf(this._getPartition(stored)), stored._rid);
    return stored;
  };
  proto.delete = function (this: ItemsLike, idOrRid, partition) {
    const doc = this._item("/id", idOrRid, partition).read();
    original.delete.call(this, idOrRid, partition);
    if (doc && this.__partitions && typeof doc._rid === "string") this.__partitions.get(partitionKeyOf(this._getPartition(doc)))?.delete(doc._rid);
  };
  proto.query = function (this: ItemsLike, params, options) {
    if (options?.partitionKey === undefined) return original.query.call(this, params, options);
    const rids = partitionsOf(this).get(partitionKeyOf(options.partitionKey)) ?? new Set<string>();
    // Expired documents are left out, as Cosmos DB never returns them (cosmosTtl.ts removes them when next read).
    const defaultTtl = this._parent?.read()?.defaultTtl;
    const at = ttlNow();
    const live = new Map<string, StoredItem>();
    for (const rid of [...rids]) {
      const item = this._data.get(rid);
      const doc = item?.read();
      if (!item || !doc) rids.delete(rid);
      else if (!isExpired(doc, defaultTtl, at)) live.set(rid, item);
    }
    // The original evaluates the SQL over `this._data`; hand it a view holding only the partition's documents.
    const scoped = Object.create(this) as ItemsLike;
    scoped._data = live;
    return original.query.call(scoped, params, options);
  };

  const handler = queryModule.default;
  const scopedHandler: RouteHandler & { [PATCHED]?: true } = async (account, req, res, params) => {
    // `@azure/cosmos` asks for a query plan beside every `fetchAll` (used only if the plain execution fails), and the
    // server would answer it by running the query over the whole container: answer it over no documents instead.
    const partition = isQueryPlanRequest(req) ? { value: NO_DOCUMENTS } : parsePartitionKeyHeader(req.headers["x-ms-documentdb-partitionkey"]);
    if (!partition) return handler(account, req, res, params);
    // The original handler calls `documents.query(body, { continuation, maxItemCount })`; pass the partition along
    // by wrapping that collection's documents for this request only.
    const accountLike = account as { database(id: string): { collection(id: string): { documents: ItemsLike } } };
    const scopedAccount = {
      database: (dbId: string) => {
        const database = accountLike.database(dbId);
        return Object.assign(Object.create(database) as object, {
          collection: (collId: string) => {
            const collection = database.collection(collId);
            const documents = collection.documents;
            const scopedDocuments = Object.assign(Object.create(documents) as ItemsLike, {
              query: (body: unknown, options: QueryOptions) => documents.query(body, { ...options, partitionKey: partition.value }),
            });
            return Object.assign(Object.create(collection) as object, { documents: scopedDocuments });
          },
        });
      },
    };
    return handler(scopedAccount, req, res, params);
  };
  scopedHandler[PATCHED] = true;
  queryModule.default = scopedHandler;
};
