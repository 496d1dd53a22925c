import { ConcurrencyConflictError } from "#src/platform/errors";
import { DocumentStore, DocumentWrite, StoredDocument, Versioned } from "#src/platform/store";

/** A DocumentStore with Cosmos semantics that matter here: ETags, 409 on create, atomic batches per partition. */
export const createInMemoryStore = (initial: StoredDocument[] = []) => {
  const docs = new Map<string, Versioned<StoredDocument>>();
  let etag = 0;
  const key = (id: string, pk: string) => `${pk}\u0000${id}`;
  const put = (d: StoredDocument) => docs.set(key(d.id, d.pk), { ...structuredClone(d), _etag: `"${++etag}"` });
  initial.forEach(put);
  const commits: { pk: string; writes: readonly DocumentWrite[] }[] = [];

  const store: DocumentStore & { commits: typeof commits; all(): Versioned<StoredDocument>[]; failNextCommitWith?: Error } = {
    commits,
    all: () => [...docs.values()],
    async readDocument<T extends StoredDocument>(id: string, pk: string) {
      const d = docs.get(key(id, pk));
      return d ? (structuredClone(d) as Versioned<T>) : undefined;
    },
    async queryDocuments<T extends StoredDocument>(pk: string | undefined, where: string) {
      // Only the kinds a query names (`c.kind = 'a' OR c.kind = 'b'`); other conditions are not evaluated.
      const kinds = [...where.matchAll(/c\.kind = '([^']+)'/g)].map((m) => m[1]);
      return [...docs.values()].filter((d) => (pk === undefined || d.pk === pk) && (kinds.length === 0 || kinds.includes(d.kind))).map((d) => structuredClone(d) as Versioned<T>);
    },
    async commit(pk: string, writes: readonly DocumentWrite[]) {
      if (store.failNextCommitWith) {
        const error = store.failNextCommitWith;
        store.failNextCommitWith = undefined;
        throw error;
      }
      // Check every precondition first, then apply: all or nothing, like a transactional batch.
      for (const w of writes) {
        const id = w.op === "delete" ? w.id : w.document.id;
        if (w.op !== "delete" && w.document.pk !== pk) throw new Error(`document ${id} is not in partition ${pk}`);
        const current = docs.get(key(id, pk));
        if (w.op === "create" && current) throw new ConcurrencyConflictError(`409 ${id}`);
        if (w.op === "replace" && (!current || current._etag !== w.ifMatch)) throw new ConcurrencyConflictError(`412 ${id}`);
      }
      const versions = writes.map((w) => {
        if (w.op === "delete") {
          docs.delete(key(w.id, pk));
          return undefined;
        }
        put(w.document);
        return docs.get(key(w.document.id, pk))?._etag;
      });
      commits.push({ pk, writes });
      return versions;
    },
  };
  return store;
};

export const recordingPublisher = () => {
  const published: { type: string; id: string; [k: string]: unknown }[] = [];
  return {
    published,
    /**
     * What consumers see once they dedupe by id: a redelivered cause publishes its recorded events again, under the
     * same ids, so "published once" means one distinct id (and the same content under it).
     */
    distinct: () => [...new Map(published.map((e) => [e.id, e])).values()],
    failNext: 0,
    async publishEvents(events: readonly { type: string; id: string }[]) {
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error("Event Grid unavailable");
      }
      published.push(...(events as { type: string; id: string }[]));
    },
  };
};
