import { cosmosServerModules } from "./cosmosServerModules";

/**
 * Time to live for `@vercel/cosmosdb-server`, which has none: items expire as in Cosmos DB. A container without
 * `defaultTtl` never expires anything (an item's `ttl` is ignored); `defaultTtl: -1` expires only items with their own
 * positive `ttl`; `defaultTtl: n` expires every item n seconds after its last write (`_ts`) unless the item says
 * otherwise (`ttl: -1` keeps it). Cosmos DB deletes in the background and never returns an expired item; here expired
 * items are removed when they would be read, queried or listed, which clients cannot tell apart.
 */

/** A document restored from a snapshot carries its original `_ts` here, so its time to live keeps running. */
export const RESTORED_TS_FIELD = "__choreographyRestoredTs";

const PATCHED = Symbol.for("azure-choreography.cosmosTtl");

interface StoredItem {
  read(): Record<string, unknown> | undefined;
}

interface ItemsLike {
  _parent: { read(): Record<string, unknown> | undefined };
  _data: Map<string, StoredItem>;
  _newItem(data?: unknown): StoredItem;
  _getPartition(data: Record<string, unknown>): unknown;
  delete(id: string, partition: unknown): void;
  // The prototype functions the patch wraps: kept apart from their object and called with `this` explicitly.
  _item: (this: ItemsLike, keyPath: string, value: unknown, partition: unknown) => StoredItem;
  _set: (this: ItemsLike, data: Record<string, unknown>) => Record<string, unknown>;
  query: (this: ItemsLike, ...args: unknown[]) => unknown;
  read: (this: ItemsLike, ...args: unknown[]) => unknown;
}

/** Whether a document has expired at `nowInSeconds` under its container's `defaultTtl`. */
export const isExpired = (doc: Record<string, unknown>, defaultTtl: unknown, nowInSeconds: number): boolean => {
  if (typeof defaultTtl !== "number") return false;
  const ttl = typeof doc.ttl === "number" ? doc.ttl : defaultTtl;
  if (ttl <= 0) return false;
  return typeof doc._ts === "number" && nowInSeconds >= doc._ts + ttl;
};

let now = (): number => Date.now() / 1000;
/** The clock TTL is judged by, in seconds (see setTtlClock). */
export const ttlNow = (): number => now();
/** For tests: the clock TTL is judged by, in seconds. */
export const setTtlClock = (clock: () => number): void => {
  now = clock;
};

export const installCosmosTtl = (): void => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Items = (require(cosmosServerModules.items) as { default: { prototype: ItemsLike & { [PATCHED]?: true } } }).default;
  const proto = Items.prototype;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const original = { _item: proto._item, _set: proto._set, query: proto.query, read: proto.read };
  const purging = new WeakSet<object>();

  const defaultTtlOf = (items: ItemsLike): unknown => items._parent?.read()?.defaultTtl;
  const remove = (items: ItemsLike, doc: Record<string, unknown>): void => {
    purging.add(items);
    try {
      items.delete(doc.id as string, items._getPartition(doc));
    } finally {
      purging.delete(items);
    }
  };
  const purgeAll = (items: ItemsLike): void => {
    const defaultTtl = defaultTtlOf(items);
    if (typeof defaultTtl !== "number") return;
    const at = now();
    for (const item of [...items._data.values()]) {
      const doc = item.read();
      if (doc && isExpired(doc, defaultTtl, at)) remove(items, doc);
    }
  };

  proto._item = function (this: ItemsLike, keyPath, value, partition) {
    const found = original._item.call(this, keyPath, value, partition);
    if (purging.has(this)) return found;
    const doc = found.read();
    if (doc && isExpired(doc, defaultTtlOf(this), now())) {
      remove(this, doc);
      return this._newItem();
    }
    return found;
  };
  proto._set = function (this: ItemsLike, data) {
    const restored = data[RESTORED_TS_FIELD];
    if (typeof restored === "number") {
      const { [RESTORED_TS_FIELD]: _marker, ...rest } = data;
      return original._set.call(this, { ...rest, _ts: restored });
    }
    return original._set.call(this, data);
  };
  proto.query = function (this: ItemsLike, ...args: unknown[]) {
    purgeAll(this);
    return original.query.apply(this, args);
  };
  proto.read = function (this: ItemsLike, ...args: unknown[]) {
    purgeAll(this);
    return original.read.apply(this, args);
  };
};
