import type { Container, JSONObject, OperationInput, SqlParameter } from "@azure/cosmos";
import { ConcurrencyConflictError, TransientError } from "./errors";

/** Every document carries its logical partition in `pk` (container partition key path `/pk`) and a `kind`. */
export interface StoredDocument {
  readonly id: string;
  readonly pk: string;
  readonly kind: string;
  /** Seconds until Cosmos DB expires the item (container defaultTtl is -1, so only items that set it expire). */
  readonly ttl?: number;
  readonly [key: string]: unknown;
}

/** What a read returns: the document plus the ETag to write it back with. */
export type Versioned<T> = T & { readonly _etag: string };

export type DocumentWrite =
  | { readonly op: "create"; readonly document: StoredDocument }
  | { readonly op: "replace"; readonly document: StoredDocument; readonly ifMatch: string }
  | { readonly op: "upsert"; readonly document: StoredDocument }
  | { readonly op: "delete"; readonly id: string };

/** The ETag each write of a commit left, in the order of the writes (undefined for a delete, or if not reported). */
export type CommittedVersions = readonly (string | undefined)[];

export interface ReadOptions {
  readonly abortSignal?: AbortSignal;
}

/** Reading only: what read helpers and timers need (a reaction's `load` reads through its session, reactions/session.ts). */
export interface DocumentReader {
  readDocument<T extends StoredDocument>(id: string, pk: string, options?: ReadOptions): Promise<T | undefined>;
  /** Query one logical partition; `where` is a SQL condition on `c`, parameters named `@x`. */
  queryDocuments<T extends StoredDocument>(
    pk: string | undefined,
    where: string,
    parameters?: readonly SqlParameter[],
    options?: ReadOptions,
  ): Promise<T[]>;
}

/** The port every service's state goes through; one Cosmos container per service. */
export interface DocumentStore extends DocumentReader {
  readDocument<T extends StoredDocument>(id: string, pk: string, options?: ReadOptions): Promise<Versioned<T> | undefined>;
  /** Query one logical partition; `where` is a SQL condition on `c`, parameters named `@x`. */
  queryDocuments<T extends StoredDocument>(
    pk: string | undefined,
    where: string,
    parameters?: readonly SqlParameter[],
    options?: ReadOptions,
  ): Promise<Versioned<T>[]>;
  /**
   * Applies writes atomically in one logical partition (a Cosmos transactional batch: ≤ 100 operations, ≤ 2 MB) and
   * answers each written document's new ETag, in the order of `writes` (undefined for a delete).
   * Throws ConcurrencyConflictError when an ETag precondition fails (412) or a create finds the id taken (409).
   */
  commit(pk: string, writes: readonly DocumentWrite[], options?: ReadOptions): Promise<CommittedVersions>;
}

// Documents are plain JSON by construction (they come from zod-parsed input); the cast only narrows `unknown`.
const asJson = (document: StoredDocument): JSONObject => ({ ...document }) as JSONObject;

const toOperation = (write: DocumentWrite): OperationInput => {
  switch (write.op) {
    case "create":
      return { operationType: "Create", resourceBody: asJson(write.document) };
    case "upsert":
      return { operationType: "Upsert", resourceBody: asJson(write.document) };
    case "replace":
      return { operationType: "Replace", id: write.document.id, resourceBody: asJson(write.document), ifMatch: write.ifMatch };
    case "delete":
      return { operationType: "Delete", id: write.id };
    default: {
      const never: never = write;
      throw new Error(`Unknown write ${JSON.stringify(never)}`);
    }
  }
};

const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
};

export const MAX_BATCH_OPERATIONS = 100;

export const createCosmosDocumentStore = (container: Container): DocumentStore => ({
  async readDocument<T extends StoredDocument>(id: string, pk: string, options?: ReadOptions) {
    try {
      const { resource } = await container.item(id, pk).read<T>({ abortSignal: options?.abortSignal });
      return resource as Versioned<T> | undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  },

  async queryDocuments<T extends StoredDocument>(
    pk: string | undefined,
    where: string,
    parameters: readonly SqlParameter[] = [],
    options?: ReadOptions,
  ) {
    // The partition is also in the WHERE clause: it is what scopes the query on the local Cosmos-protocol server,
    // which ignores the partitionKey option; in Azure the option keeps it a single-partition query.
    const query =
      pk === undefined
        ? { query: `SELECT * FROM c WHERE (${where})`, parameters: [...parameters] }
        : { query: `SELECT * FROM c WHERE c.pk = @pk AND (${where})`, parameters: [{ name: "@pk", value: pk }, ...parameters] };
    const { resources } = await container.items
      .query<Versioned<T>>(query, pk === undefined ? { abortSignal: options?.abortSignal } : { partitionKey: pk, abortSignal: options?.abortSignal })
      .fetchAll();
    return resources;
  },

  async commit(pk: string, writes: readonly DocumentWrite[], options?: ReadOptions): Promise<CommittedVersions> {
    if (writes.length === 0) return [];
    if (writes.length > MAX_BATCH_OPERATIONS) {
      throw new Error(`A transactional batch holds at most ${MAX_BATCH_OPERATIONS} operations, got ${writes.length}`);
    }
    let results;
    try {
      const response = await container.items.batch(writes.map(toOperation), pk, { abortSignal: options?.abortSignal });
      results = response.result ?? [];
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412) throw new ConcurrencyConflictError(`Batch in partition ${pk} refused: ${status}`);
      // @azure/cosmos (4.9) rethrows any failure of the batch request itself (503 or 429 past its retries, a timeout,
      // a reset connection) as a plain Error with the status dropped. Either nothing was written or, for a lost
      // answer, all of it: a retry with the same event or Idempotency-Key finds out which, so it is a transient failure.
      if (status === undefined && error instanceof Error && error.message.startsWith("Batch request error:")) {
        throw new TransientError(`Batch in partition ${pk} could not be sent: ${error.message.slice(0, 200)}`, { cause: error });
      }
      throw error;
    }
    const failed = results.find((r) => r.statusCode >= 400 && r.statusCode !== 424);
    if (failed) {
      if (failed.statusCode === 409 || failed.statusCode === 412 || failed.statusCode === 404) {
        throw new ConcurrencyConflictError(`Batch in partition ${pk} refused: ${failed.statusCode}`);
      }
      throw new Error(`Batch in partition ${pk} failed with status ${failed.statusCode}`);
    }
    return writes.map((_, i) => results[i]?.eTag);
  },
});

/** Cosmos adds `_rid`, `_self`, `_etag`, `_attachments`, `_ts`; they must not be written back. */
export const stripSystemProperties = <T extends StoredDocument>(document: T): T => {
  const copy: Record<string, unknown> = { ...document };
  for (const key of Object.keys(copy)) if (key.startsWith("_")) delete copy[key];
  return copy as T;
};
