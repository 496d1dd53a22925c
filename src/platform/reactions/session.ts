import type { SqlParameter } from "@azure/cosmos";
import { DocumentSchema, parseDocument } from "../documentSchema";
import { TransientError } from "../errors";
import { LruMap, createLruMap } from "../lruMap";
import { CommittedVersions, DocumentReader, DocumentStore, DocumentWrite, ReadOptions, StoredDocument, stripSystemProperties } from "../store";
import { CallOutside, Change, ReadHint, Reads } from "./contract";

/**
 * The documents a process committed last through `ownLatest` reads, with the ETag each commit gave them; least
 * recently used first out past `capacity`. One per service runtime (per Function App instance in Azure).
 */
export type RecentWrites = LruMap<{ readonly document: StoredDocument; readonly etag: string }>;

export const createRecentWrites = (capacity = 10_000): RecentWrites => createLruMap(capacity);

/** What one load → act → decide → commit round works with; a new one for every attempt. */
export interface Session extends Reads {
  /** The same reads untyped, for code that parses on its own (a timer's `queryValid`): versions remembered alike. */
  readonly store: DocumentReader;
  /** Calls an outside system, creating its intent first when no read found it stored (see OutsideCall). */
  readonly call: CallOutside;
  /**
   * The store writes of a decision's changes: a put of a document read replaces it with the ETag it was read with (a
   * concurrent change makes the commit conflict); a put of one found missing creates it (a concurrent create
   * conflicts). A put of a document never read is refused: the session could only guess between create and overwrite,
   * and a blind overwrite is exactly the lost update the ETags are there to prevent.
   */
  writesFor(changes: readonly Change[]): DocumentWrite[];
  /** Told what a commit of this session wrote and the versions it got, so `ownLatest` documents are remembered. */
  committed(writes: readonly DocumentWrite[], versions: CommittedVersions): void;
  /** Told that the commit conflicted: what `ownLatest` remembered of its documents is stale. */
  conflicted(): void;
}

const keyOf = (id: string, pk: string) => `${pk}\u0000${id}`;

/**
 * Remembers a document as committed (plain, without system properties) with the ETag the commit gave it, for the
 * `ownLatest` reads that come next in the same process; without an ETag, forgets it. Sessions call it for their
 * `ownLatest` documents; a flow's HTTP command for the record it created.
 */
export const rememberCommitted = (recentWrites: RecentWrites | undefined, document: StoredDocument, etag: string | undefined): void => {
  if (!recentWrites) return;
  if (etag) recentWrites.set(keyOf(document.id, document.pk), { document, etag });
  else recentWrites.delete(keyOf(document.id, document.pk));
};

export interface SessionOptions {
  /** Hints apply to a delivery's first attempt only: a later one reads for real. */
  readonly firstAttempt?: boolean;
  readonly recentWrites?: RecentWrites;
  readonly readHints?: ReadonlyArray<readonly [DocumentSchema, ReadHint]>;
}

export const openSession = (store: DocumentStore, options: SessionOptions = {}): Session => {
  /** ETag as read, or null: read and found missing. */
  const versions = new Map<string, string | null>();
  /** Documents read as `ownLatest`, whose committed versions the process remembers. */
  const ownLatest = new Set<string>();
  const hints = new Map(options.readHints ?? []);

  const tracked: DocumentReader = {
    async readDocument<T extends StoredDocument>(id: string, pk: string, readOptions?: ReadOptions) {
      const found = await store.readDocument<T>(id, pk, readOptions);
      versions.set(keyOf(id, pk), found ? found._etag : null);
      return found && stripSystemProperties<T>(found);
    },
    async queryDocuments<T extends StoredDocument>(...args: Parameters<DocumentReader["queryDocuments"]>) {
      const found = await store.queryDocuments<T>(...args);
      for (const document of found) versions.set(keyOf(document.id, document.pk), document._etag);
      return found.map((document) => stripSystemProperties<T>(document));
    },
  };

  const assumeAbsent = (id: string, pk: string): void => {
    versions.set(keyOf(id, pk), null);
  };

  /** A read as its schema's hint allows: without the store where that is safe (see ReadHint), else tracked. */
  const readHinted = async (hint: ReadHint | undefined, id: string, pk: string): Promise<StoredDocument | undefined> => {
    const key = keyOf(id, pk);
    if (hint === "likelyNew" && options.firstAttempt) {
      assumeAbsent(id, pk);
      return undefined;
    }
    if (hint === "ownLatest" && options.recentWrites) {
      ownLatest.add(key);
      const remembered = options.firstAttempt ? options.recentWrites.get(key) : undefined;
      if (remembered) {
        versions.set(key, remembered.etag);
        return remembered.document;
      }
    }
    return tracked.readDocument(id, pk);
  };

  const call: CallOutside = async (step) => {
    const { intent } = step;
    if (intent && !versions.get(keyOf(intent.id, intent.pk))) {
      const [version] = await store.commit(intent.pk, [{ op: "create", document: intent }]);
      // The decision's put of the settled intent replaces it at this version (read back where the store did not say).
      if (version) versions.set(keyOf(intent.id, intent.pk), version);
      else if (!(await tracked.readDocument(intent.id, intent.pk))) throw new TransientError(`Intent ${intent.id} vanished after its commit`);
    }
    return step.call(step.idempotencyKey);
  };

  const writesFor = (changes: readonly Change[]): DocumentWrite[] =>
    changes.map(({ put }) => {
      const version = versions.get(keyOf(put.id, put.pk));
      const document = stripSystemProperties(put);
      if (version === undefined) {
        throw new Error(`A decision put ${put.id} (partition ${put.pk}) that its load never read: read it first, so the write knows its version`);
      }
      return version === null ? { op: "create", document } : { op: "replace", document, ifMatch: version };
    });

  return {
    store: tracked,
    async read(schema, id, pk) {
      const found = await readHinted(hints.get(schema), id, pk);
      return found && parseDocument(schema, found);
    },
    async query(schema, pk, where, parameters?: readonly SqlParameter[]) {
      const found = await tracked.queryDocuments(pk, where, parameters);
      return found.map((document) => parseDocument(schema, document));
    },
    assumeAbsent,
    call,
    writesFor,
    committed(writes, committedVersions) {
      writes.forEach((write, i) => {
        if (write.op !== "delete" && ownLatest.has(keyOf(write.document.id, write.document.pk))) {
          rememberCommitted(options.recentWrites, write.document, committedVersions[i]);
        }
      });
    },
    conflicted() {
      for (const key of ownLatest) options.recentWrites?.delete(key);
    },
  };
};
