import { TransientError } from "./errors";
import { LruMap, createLruMap } from "./lruMap";
import { CommittedVersions, DocumentReader, DocumentStore, DocumentWrite, ReadOptions, StoredDocument, stripSystemProperties } from "./store";

/**
 * A change a decision makes to its partition, in domain terms: this document, as it should be from now on. Whether
 * that is a create or a replace, and with which ETag, is the session's business (see `writesFor`), not the decision's.
 */
export type Change = { readonly put: StoredDocument };

/**
 * A call to an outside system (gateway, bank) made under a durable intent. `intent` is the record that makes whatever
 * the call did findable again after any crash: when `load` did not find it stored, the session creates it before
 * calling (a create: when the id is taken, by another attempt or a cancellation marker, the commit conflicts and the
 * runner reads and decides again). `call` gets `idempotencyKey`, the key the intent records, so every attempt asks the
 * outside system the same question and gets the first answer back.
 */
export interface OutsideStep<R> {
  readonly intent: StoredDocument;
  readonly idempotencyKey: string;
  call(idempotencyKey: string): Promise<R>;
}

export type Act = <R>(step: OutsideStep<R>) => Promise<R>;

/**
 * The reads `load` makes through its session: each remembers the document's version (and that a read found nothing),
 * handing out plain documents.
 */
export interface SessionReader extends DocumentReader {
  /**
   * For a document `load` knows cannot exist yet without reading it — because a record written in the same batch as
   * it every time says so (the journal: an event missing from its flow's summary has no entry). A put of it creates;
   * if it exists after all, the commit conflicts and the runner loads and decides again. Saves a read that would miss.
   */
  expectAbsent(id: string, pk: string): void;
  /**
   * For a document named after the event being handled, which nearly every first delivery finds missing (a
   * reservation, a payment, an invoice per order): on the first attempt of a delivery it is taken as missing without
   * a read (as `expectAbsent`); a put of it creates, and if it exists after all (a redelivery, a cancellation that got
   * there first) the commit conflicts and the next attempt reads it for real. Later attempts read.
   */
  readLikelyNew<T extends StoredDocument>(id: string, pk: string): Promise<T | undefined>;
  /**
   * For a document that only moves forward and that this reaction writes whenever an event changes it (the journal's
   * flow summary; an order under its settlements, whose decision is idempotent on it): on a delivery's first attempt,
   * the version this process committed last, if it remembers one, without a read. Safe only for such documents: a
   * decision on an older version either writes the document (and the commit conflicts on the ETag, so the next
   * attempt reads it for real) or finds the event already taken in, which an older version shows only if the newer
   * one does too. Without the process's memory (`recentWrites`), a plain read.
   */
  readOwnLatest<T extends StoredDocument>(id: string, pk: string): Promise<T | undefined>;
}

/**
 * The documents a process committed last through `readOwnLatest` sessions, with the ETag each commit gave them; least
 * recently used first out past `capacity`. One per service runtime (per Function App instance in Azure).
 */
export type RecentWrites = LruMap<{ readonly document: StoredDocument; readonly etag: string }>;

export const createRecentWrites = (capacity = 10_000): RecentWrites => createLruMap(capacity);

/** What one load → decide → commit round works with; a new one for every attempt. */
export interface LoadSession {
  readonly store: SessionReader;
  readonly act: Act;
  /**
   * The store writes of a decision's changes: a put of a document `load` read replaces it with the ETag it was read
   * with (a concurrent change makes the commit conflict); a put of one `load` found missing creates it (a concurrent
   * create conflicts). A put of a document `load` never looked at is refused: the session could only guess between
   * create and overwrite, and a blind overwrite is exactly the lost update the ETags are there to prevent.
   */
  writesFor(changes: readonly Change[]): DocumentWrite[];
  /** Told what a commit of this session wrote and the versions it got, so `readOwnLatest` documents are remembered. */
  committed(writes: readonly DocumentWrite[], versions: CommittedVersions): void;
  /** Told that the commit conflicted: what `readOwnLatest` remembered of its documents is stale. */
  conflicted(): void;
}

const keyOf = (id: string, pk: string) => `${pk}\u0000${id}`;

/**
 * Remembers a document as committed (plain, without system properties) with the ETag the commit gave it, for the
 * `readOwnLatest` reads that come next in the same process; without an ETag, forgets it. Load sessions call it for
 * their `readOwnLatest` documents; a flow's HTTP command for the record it created.
 */
export const rememberCommitted = (recentWrites: RecentWrites | undefined, document: StoredDocument, etag: string | undefined): void => {
  if (!recentWrites) return;
  if (etag) recentWrites.set(keyOf(document.id, document.pk), { document, etag });
  else recentWrites.delete(keyOf(document.id, document.pk));
};

export const openLoadSession = (
  store: DocumentStore,
  options: { readonly firstAttempt?: boolean; readonly recentWrites?: RecentWrites } = {},
): LoadSession => {
  /** ETag as read, or null: read and found missing. */
  const versions = new Map<string, string | null>();
  /** Documents read through `readOwnLatest`, whose committed versions the process remembers. */
  const ownLatest = new Set<string>();

  const reader: SessionReader = {
    expectAbsent(id, pk) {
      versions.set(keyOf(id, pk), null);
    },
    async readLikelyNew<T extends StoredDocument>(id: string, pk: string) {
      if (!options.firstAttempt) return reader.readDocument<T>(id, pk);
      reader.expectAbsent(id, pk);
      return undefined;
    },
    async readOwnLatest<T extends StoredDocument>(id: string, pk: string) {
      const key = keyOf(id, pk);
      if (options.recentWrites) ownLatest.add(key);
      const remembered = options.firstAttempt ? options.recentWrites?.get(key) : undefined;
      if (!remembered) return reader.readDocument<T>(id, pk);
      versions.set(key, remembered.etag);
      return remembered.document as T;
    },
    async readDocument<T extends StoredDocument>(id: string, pk: string, options?: ReadOptions) {
      const found = await store.readDocument<T>(id, pk, options);
      versions.set(keyOf(id, pk), found ? found._etag : null);
      return found && stripSystemProperties<T>(found);
    },
    async queryDocuments<T extends StoredDocument>(...args: Parameters<DocumentReader["queryDocuments"]>) {
      const found = await store.queryDocuments<T>(...args);
      for (const document of found) versions.set(keyOf(document.id, document.pk), document._etag);
      return found.map((document) => stripSystemProperties<T>(document));
    },
  };

  const act: Act = async (step) => {
    const { intent } = step;
    if (!versions.get(keyOf(intent.id, intent.pk))) {
      const [version] = await store.commit(intent.pk, [{ op: "create", document: intent }]);
      // The decision's put of the settled intent replaces it at this version (read back where the store did not say).
      if (version) versions.set(keyOf(intent.id, intent.pk), version);
      else if (!(await reader.readDocument(intent.id, intent.pk))) throw new TransientError(`Intent ${intent.id} vanished after its commit`);
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

  const committed = (writes: readonly DocumentWrite[], committedVersions: CommittedVersions): void => {
    writes.forEach((write, i) => {
      if (write.op !== "delete" && ownLatest.has(keyOf(write.document.id, write.document.pk))) {
        rememberCommitted(options.recentWrites, write.document, committedVersions[i]);
      }
    });
  };
  const conflicted = (): void => {
    for (const key of ownLatest) options.recentWrites?.delete(key);
  };

  return { store: reader, act, writesFor, committed, conflicted };
};
