import type Account from "@vercel/cosmosdb-server/lib/account";
import { cosmosServerModules } from "./cosmosServerModules";
import path from "node:path";
import { Journal, deleteJournal, type JournalRecord } from "@azure-choreography/server-kit";

/** The store's log in its data folder. */
export const COSMOS_JOURNAL_FILE = "cosmos.log";

/** Removes the store's data in `directory` (the journal), for a fresh start. */
export const deleteCosmosData = (directory: string): void => deleteJournal(path.join(directory, COSMOS_JOURNAL_FILE));

/**
 * Ties `@vercel/cosmosdb-server`'s in-memory account to a Journal: every database, container and document stored or
 * removed is appended as it happens (all writes end in `Items._set` or `Items.delete`), and a journal opened on an
 * account replays its records into it. Documents are logged as stored (`_rid`, `_etag`, `_ts` included), so etags
 * and time to live (judged by `_ts`) carry on across a restart as if the server had never stopped.
 *
 * Records: ["db", data, ridCount] · ["coll", dbId, data, ridCount] · ["doc", dbId, collId, data, ridCount] and their
 * removals ["-db", id] · ["-coll", dbId, id] · ["-doc", dbId, collId, id, partition]. `ridCount` is the counter the
 * server makes the next `_rid` from: restored, so a new document never takes the `_rid` of a replayed one.
 */
const OWNER = Symbol.for("azure-choreography.journalOwner");

interface Owner {
  /** Shared by everything of one account: the journal once it is open, and whether it is replaying (nothing to log). */
  readonly sink: { journal?: Journal; replaying: boolean };
  readonly db?: string;
  readonly coll?: string;
}

type Doc = Record<string, unknown> & { id: string; _rid: string };

interface ItemLike {
  read(): Doc | undefined;
  [OWNER]?: Owner;
  documents?: ItemsLike;
  collections?: ItemsLike;
}

interface ItemsLike {
  _parent: ItemLike;
  _data: Map<string, ItemLike>;
  _ridCount: number;
  _set: (this: ItemsLike, data: Doc) => Doc;
  delete: (this: ItemsLike, idOrRid: string, partition: unknown) => void;
  _item(keyPath: string, value: unknown, partition: unknown): ItemLike;
  _getPartition(data: Doc): unknown;
}

type Kind = "db" | "coll" | "doc";

const PATCHED = Symbol.for("azure-choreography.journalPatch");

const kindOf = (items: ItemsLike): { kind: Kind; owner: Owner } | undefined => {
  const parent = items._parent as ItemLike | undefined;
  const owner = parent?.[OWNER];
  if (!owner) return undefined;
  if (owner.db === undefined) return { kind: "db", owner };
  if (owner.coll === undefined) return parent.collections === items ? { kind: "coll", owner } : undefined;
  return parent.documents === items ? { kind: "doc", owner } : undefined;
};

const keyOf = (kind: Kind, owner: Owner, rid: string): string =>
  kind === "db" ? `db\u0000${rid}` : kind === "coll" ? `coll\u0000${owner.db}\u0000${rid}` : `doc\u0000${owner.db}\u0000${owner.coll}\u0000${rid}`;

const putRecord = (kind: Kind, owner: Owner, data: Doc, ridCount: number): JournalRecord =>
  kind === "db" ? ["db", data, ridCount] : kind === "coll" ? ["coll", owner.db, data, ridCount] : ["doc", owner.db, owner.coll, data, ridCount];

const installJournalPatch = (): void => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require(cosmosServerModules.items) as { default: { prototype: ItemsLike & { [PATCHED]?: true } } }).default.prototype;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const original = { _set: proto._set, delete: proto.delete };
  proto._set = function (this: ItemsLike, data: Doc) {
    const stored = original._set.call(this, data);
    const found = kindOf(this);
    if (!found) return stored;
    const { kind, owner } = found;
    // A database or container just stored carries its owner, so the writes under it are journaled too.
    if (kind !== "doc") {
      const item = this._data.get(stored._rid);
      if (item) item[OWNER] = kind === "db" ? { ...owner, db: stored.id } : { ...owner, coll: stored.id };
    }
    if (!owner.sink.replaying) owner.sink.journal?.append(keyOf(kind, owner, stored._rid), putRecord(kind, owner, stored, this._ridCount));
    return stored;
  };
  proto.delete = function (this: ItemsLike, idOrRid: string, partition: unknown) {
    const found = kindOf(this);
    const before = found && !found.owner.sink.replaying ? this._item("/id", idOrRid, partition).read() : undefined;
    original.delete.call(this, idOrRid, partition);
    if (!found || !before) return;
    const { kind, owner } = found;
    const record: JournalRecord =
      kind === "db" ? ["-db", idOrRid] : kind === "coll" ? ["-coll", owner.db, idOrRid] : ["-doc", owner.db, owner.coll, idOrRid, partition ?? null];
    owner.sink.journal?.append(keyOf(kind, owner, before._rid), record, true);
  };
};

const apply = (account: Account, record: JournalRecord): void => {
  const databases = (account as unknown as { databases: ItemsLike }).databases;
  const database = (id: unknown): ItemLike | undefined => {
    const item = (account.database(id as string) as unknown as ItemLike);
    return item.read() ? item : undefined;
  };
  const collection = (db: unknown, id: unknown): ItemLike | undefined => {
    const item = database(db)?.collections?._item("/id", id, id);
    return item?.read() ? item : undefined;
  };
  const put = (items: ItemsLike | undefined, data: unknown, ridCount: unknown): void => {
    if (!items) return;
    items._set(data as Doc);
    if (typeof ridCount === "number" && ridCount > items._ridCount) items._ridCount = ridCount;
  };
  const remove = (items: ItemsLike | undefined, id: unknown, partition: unknown): void => {
    try {
      items?.delete(id as string, partition ?? undefined);
    } catch {
      // Already gone: removals are idempotent.
    }
  };
  const [type, a, b, c, d] = record;
  switch (type) {
    case "db":
      return put(databases, a, b);
    case "coll":
      return put(database(a)?.collections, b, c);
    case "doc":
      return put(collection(a, b)?.documents, c, d);
    case "-db":
      return remove(databases, a, a);
    case "-coll":
      return remove(database(a)?.collections, b, b);
    case "-doc":
      return remove(collection(a, b)?.documents, c, d);
    default:
      throw new Error(`unknown journal record ${JSON.stringify(type)}`);
  }
};

/** Every record that rebuilds the account as it is now, for a compaction. */
function* snapshotOf(account: Account): Iterable<{ key: string; record: JournalRecord }> {
  const databases = (account as unknown as { databases: ItemsLike }).databases;
  for (const dbItem of databases._data.values()) {
    const db = dbItem.read();
    const dbOwner = dbItem[OWNER];
    if (!db || !dbOwner) continue;
    yield { key: keyOf("db", dbOwner, db._rid), record: putRecord("db", dbOwner, db, databases._ridCount) };
    const collections = dbItem.collections!;
    for (const collItem of collections._data.values()) {
      const coll = collItem.read();
      const collOwner = collItem[OWNER];
      if (!coll || !collOwner) continue;
      yield { key: keyOf("coll", dbOwner, coll._rid), record: putRecord("coll", dbOwner, coll, collections._ridCount) };
      const documents = collItem.documents!;
      for (const docItem of documents._data.values()) {
        const doc = docItem.read();
        if (doc) yield { key: keyOf("doc", collOwner, doc._rid), record: putRecord("doc", collOwner, doc, documents._ridCount) };
      }
    }
  }
}

/**
 * Opens the journal in `directory` on a new, empty account: replays it, compacts it when it holds anything stale, and
 * journals every write from now on. Returns the journal and how many documents it restored.
 */
export const openDurableAccount = (
  account: Account,
  options: { directory: string; compactFactor?: number; compactMinBytes?: number },
): { journal: Journal; restoredDocuments: number } => {
  installJournalPatch();
  const sink: Owner["sink"] = { replaying: true };
  (account as unknown as ItemLike)[OWNER] = { sink };
  let records = 0;
  const { directory, ...thresholds } = options;
  const journal = new Journal({ file: path.join(directory, COSMOS_JOURNAL_FILE), ...thresholds }, (record) => {
    records++;
    apply(account, record);
  });
  sink.journal = journal;
  sink.replaying = false;
  journal.setSnapshotSource(() => snapshotOf(account));
  let live = 0;
  let restoredDocuments = 0;
  for (const entry of snapshotOf(account)) {
    journal.track(entry.key, JSON.stringify(entry.record).length + 3);
    live++;
    if (entry.record[0] === "doc") restoredDocuments++;
  }
  // Anything replaced or removed since the last compaction: write the live state alone.
  if (records > live) journal.compactNow();
  return { journal, restoredDocuments };
};
