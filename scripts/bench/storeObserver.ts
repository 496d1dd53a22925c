import diagnosticsChannel from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { termsOfWrite } from "./indexTerms";

/**
 * Counts what reaches the local Cosmos-protocol server, by category, from inside the bench's own process: the server
 * runs here (startLocalStack starts it in-process) while the Functions hosts are child processes, so Node's
 * `http.server.request.start` diagnostics channel sees every request the hosts make, with no change to the app or the
 * stack. Response bodies (the documents read or written) give each operation's size and document kind. Nothing the
 * bench itself sends to the hosts touches the store: flows complete when the store *writes* the terminal document,
 * which this observer also sees, so there is no polling to inflate the counts.
 */
export type OpCategory = "readHit" | "readMiss" | "batch" | "batchFailed" | "query" | "write" | "metadata";

export interface WriteTally {
  /** Documents written, and their sizes in KB rounded up per document (how Cosmos charges). */
  documents: number;
  kbCeil: number;
  bytes: number;
  /** Index terms the writes cost under each container's indexing policy (src/containerIndexing.ts)… */
  indexedTerms: number;
  /** …and under the index-everything policy every container had before: the same writes, the previous layout. */
  indexedTermsIfIndexEverything: number;
}

export interface StoreCounts {
  ops: Record<OpCategory, number>;
  /** Operations inside successful batches. */
  batchOperations: number;
  /** RU-relevant sizes: reads by KB rounded up per document; writes by category of what was written. */
  readKbCeil: number;
  readBytes: number;
  queryKbCeil: number;
  queryDocuments: number;
  writes: Record<WriteCategory, WriteTally>;
  deletes: number;
}

/** Write categories the cost table reports: the journal's container apart, then by document kind. */
export type WriteCategory = "inbox" | "outbox" | "state" | "journal";

const emptyTally = (): WriteTally => ({ documents: 0, kbCeil: 0, bytes: 0, indexedTerms: 0, indexedTermsIfIndexEverything: 0 });

export const emptyCounts = (): StoreCounts => ({
  ops: { readHit: 0, readMiss: 0, batch: 0, batchFailed: 0, query: 0, write: 0, metadata: 0 },
  batchOperations: 0,
  readKbCeil: 0,
  readBytes: 0,
  queryKbCeil: 0,
  queryDocuments: 0,
  writes: {
    inbox: emptyTally(),
    outbox: emptyTally(),
    state: emptyTally(),
    journal: emptyTally(),
  },
  deletes: 0,
});

export const WRITE_TALLY_KEYS = ["documents", "kbCeil", "bytes", "indexedTerms", "indexedTermsIfIndexEverything"] as const satisfies readonly (keyof WriteTally)[];

/** The counts that are plain numbers on StoreCounts itself (beside `ops` and `writes`). */
export const SCALAR_COUNT_KEYS = ["batchOperations", "readKbCeil", "readBytes", "queryKbCeil", "queryDocuments", "deletes"] as const satisfies readonly (keyof StoreCounts)[];

export const diffCounts = (after: StoreCounts, before: StoreCounts): StoreCounts => {
  const d = emptyCounts();
  for (const k of Object.keys(d.ops) as OpCategory[]) d.ops[k] = after.ops[k] - before.ops[k];
  for (const k of SCALAR_COUNT_KEYS) d[k] = after[k] - before[k];
  for (const k of Object.keys(d.writes) as WriteCategory[]) {
    d.writes[k] = Object.fromEntries(WRITE_TALLY_KEYS.map((t) => [t, after.writes[k][t] - before.writes[k][t]])) as unknown as WriteTally;
  }
  return d;
};

export const cloneCounts = (c: StoreCounts): StoreCounts => diffCounts(c, emptyCounts());

/** `into` += `delta`, in place. */
export const addCounts = (into: StoreCounts, delta: StoreCounts): void => {
  for (const k of Object.keys(into.ops) as OpCategory[]) into.ops[k] += delta.ops[k];
  for (const k of SCALAR_COUNT_KEYS) into[k] += delta[k];
  for (const k of Object.keys(into.writes) as WriteCategory[]) {
    for (const t of WRITE_TALLY_KEYS) into.writes[k][t] += delta.writes[k][t];
  }
};

/** Every count times `k` (1 / flows: the counts of one flow), as a new StoreCounts. */
export const scaleCounts = (c: StoreCounts, k: number): StoreCounts => {
  const s = cloneCounts(c);
  for (const key of Object.keys(s.ops) as OpCategory[]) s.ops[key] *= k;
  for (const key of SCALAR_COUNT_KEYS) s[key] *= k;
  for (const w of Object.values(s.writes)) for (const t of WRITE_TALLY_KEYS) w[t] *= k;
  return s;
};

/**
 * One request to the store as counted, with where it went: the container and the logical partition key the client
 * named (`x-ms-documentdb-partitionkey`; undefined for a cross-partition query or a metadata request).
 */
export interface ObservedOperation {
  readonly container: string;
  readonly partitionKey: string | undefined;
  /** What this one request added to the counts. */
  readonly counts: StoreCounts;
  /** The documents it wrote, by id, with their size as stored (a replace counts again: storage keeps the last). */
  readonly written: readonly { readonly id: string; readonly bytes: number }[];
}

/** A successful write's answer, raw: a watcher tests the text cheaply before it parses anything. */
export interface WriteAnswer {
  readonly container: string;
  readonly text: string;
}

const DOCS_PATH = /^\/dbs\/[^/]+\/colls\/([^/]+)\/docs(\/[^/?]+)?\/?(?:\?.*)?$/;
const kbCeil = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

export interface StoreObserver {
  counts(): StoreCounts;
  /**
   * Sizes and kinds need every answer parsed, which costs the server's process CPU; on only while counting (a few
   * flows at low concurrency), off while measuring throughput, when only operations are counted.
   */
  setDetailed(on: boolean): void;
  /** Called with every successful write's answer (single writes and batches). */
  onWrite(listener: (answer: WriteAnswer) => void): () => void;
  /** Called with every document operation while detailed, with its container and partition key (the capacity count). */
  onOperation(listener: (operation: ObservedOperation) => void): () => void;
  close(): void;
}

export const observeCosmosServer = (cosmosPort: number): StoreObserver => {
  const total = emptyCounts();
  // Where classify counts: the totals, or one operation's own counts while someone listens to operations.
  let counts = total;
  let writtenByOperation: { id: string; bytes: number }[] | undefined;
  const listeners = new Set<(answer: WriteAnswer) => void>();
  const operationListeners = new Set<(operation: ObservedOperation) => void>();
  let detailed = false;
  const isCosmos = new WeakMap<Server, boolean>();
  const written = (container: string, body: unknown) => {
    if (typeof body !== "object" || body === null) return;
    const json = JSON.stringify(body);
    const bytes = Buffer.byteLength(json);
    const kind = (body as { kind?: unknown }).kind;
    const category: WriteCategory = container === "journal" ? "journal" : kind === "inbox" ? "inbox" : kind === "outbox" ? "outbox" : "state";
    const id = (body as { id?: unknown }).id;
    if (writtenByOperation && typeof id === "string") writtenByOperation.push({ id, bytes });
    const tally = counts.writes[category];
    tally.documents += 1;
    tally.bytes += bytes;
    tally.kbCeil += kbCeil(bytes);
    const terms = termsOfWrite(container, body);
    tally.indexedTerms += terms.policy;
    tally.indexedTermsIfIndexEverything += terms.indexEverything;
  };
  const notify = (container: string, text: string) => {
    for (const listener of listeners) listener({ container, text });
  };

  const observe = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (!detailed || operationListeners.size === 0) {
      classify(req, res, text);
      return;
    }
    counts = emptyCounts();
    const written: { id: string; bytes: number }[] = [];
    writtenByOperation = written;
    try {
      classify(req, res, text);
    } finally {
      const own = counts;
      counts = total;
      writtenByOperation = undefined;
      addCounts(total, own);
      const container = DOCS_PATH.exec(req.url ?? "")?.[1];
      if (container !== undefined) {
        const operation: ObservedOperation = { container: decodeURIComponent(container), partitionKey: partitionKeyOf(req), counts: own, written };
        for (const listener of operationListeners) listener(operation);
      }
    }
  };

  const classify = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const match = DOCS_PATH.exec(req.url ?? "");
    if (!match) {
      counts.ops.metadata += 1;
      return;
    }
    const container = decodeURIComponent(match[1]!);
    const byId = match[2] !== undefined;
    const status = res.statusCode;
    const header = (name: string) => String(req.headers[name] ?? "").toLowerCase() === "true";
    // The client asks for a cross-partition query's plan before the query itself; that is not a query of documents.
    if (header("x-ms-cosmos-is-query-plan-request")) {
      counts.ops.metadata += 1;
      return;
    }
    if (req.method === "GET" && byId) {
      if (status === 404) counts.ops.readMiss += 1;
      else {
        counts.ops.readHit += 1;
        if (!detailed) return;
        const bytes = Buffer.byteLength(text);
        counts.readBytes += bytes;
        counts.readKbCeil += kbCeil(bytes);
      }
      return;
    }
    if (req.method === "POST" && header("x-ms-cosmos-is-batch-request")) {
      if (status !== 200) {
        counts.ops.batchFailed += 1;
        return;
      }
      counts.ops.batch += 1;
      notify(container, text);
      if (!detailed) return;
      const results = safeParse(text);
      if (!Array.isArray(results)) return;
      counts.batchOperations += results.length;
      for (const result of results as { statusCode?: number; resourceBody?: unknown }[]) {
        if (result.resourceBody !== undefined) written(container, result.resourceBody);
        else if (result.statusCode === 204) counts.deletes += 1;
      }
      return;
    }
    if (req.method === "POST" && (header("x-ms-documentdb-isquery") || String(req.headers["content-type"]).includes("query+json"))) {
      counts.ops.query += 1;
      if (!detailed) return;
      const documents = (safeParse(text) as { Documents?: unknown[] } | undefined)?.Documents ?? [];
      counts.queryDocuments += documents.length;
      counts.queryKbCeil += kbCeil(Buffer.byteLength(text));
      return;
    }
    if (status >= 400) return;
    counts.ops.write += 1;
    notify(container, text);
    if (!detailed) return;
    if (req.method === "DELETE") counts.deletes += 1;
    else written(container, safeParse(text));
  };

  const onStart = (message: unknown) => {
    const { request, response, server } = message as { request: IncomingMessage; response: ServerResponse; server: Server };
    let mine = isCosmos.get(server);
    if (mine === undefined) {
      mine = (server.address() as AddressInfo | null)?.port === cosmosPort;
      isCosmos.set(server, mine);
    }
    if (!mine) return;
    // The server answers every request with one res.end(JSON string); see the body as it leaves.
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      const chunk = args[0];
      observe(request, response, typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : "");
      return end(...args);
    }) as ServerResponse["end"];
  };
  diagnosticsChannel.subscribe("http.server.request.start", onStart);
  return {
    counts: () => cloneCounts(total),
    setDetailed: (on) => {
      detailed = on;
    },
    onWrite: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onOperation: (listener) => {
      operationListeners.add(listener);
      return () => operationListeners.delete(listener);
    },
    close: () => diagnosticsChannel.unsubscribe("http.server.request.start", onStart),
  };
};

/** The client names the logical partition as a JSON array (`["order-1"]`); a non-string key is shown as its JSON. */
const partitionKeyOf = (req: IncomingMessage): string | undefined => {
  const header = req.headers["x-ms-documentdb-partitionkey"];
  if (typeof header !== "string") return undefined;
  const parsed = safeParse(header);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  return typeof first === "string" ? first : first === undefined ? undefined : JSON.stringify(first);
};

const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
