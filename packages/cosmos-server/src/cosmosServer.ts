import * as http from "node:http";
import { randomUUID } from "node:crypto";
import type Account from "@vercel/cosmosdb-server/lib/account";
import type Collection from "@vercel/cosmosdb-server/lib/account/collection";
import type ItemObject from "@vercel/cosmosdb-server/lib/account/item-object";
import type { OperationResult } from "@vercel/cosmosdb-server/lib/handler/_document-operations";
import type { JSONObject } from "@vercel/cosmosdb-server/lib/types";
import { installLinearQueries } from "./cosmosLinearQueries";
import { installPartitionQueries } from "./cosmosPartitionQueries";
import { installCosmosTtl } from "./cosmosTtl";
import { closeServer, listen } from "@azure-choreography/server-kit";
import { cosmosServerModules } from "./cosmosServerModules";
import { openDurableAccount } from "./durableStore";
import type { Journal, JournalStats } from "@azure-choreography/server-kit";
import { createStoreFaults, type StoreFaults } from "./storeFaults";

/** The Cosmos DB emulator's well-known key; the local server accepts any key, clients need one to sign requests. */
export const COSMOS_EMULATOR_KEY =
  "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface CosmosServerOptions {
  /** Default 8081, the Cosmos DB emulator's port; 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  bind?: string;
  /**
   * Keeps the data in an append-only journal in this folder (journal.ts): replayed at start, and every write on disk
   * before the request that made it is answered. Without it the data lives in memory only.
   */
  dataDirectory?: string;
  /** Compaction thresholds of the journal (tests); see JournalOptions. */
  journal?: { compactFactor?: number; compactMinBytes?: number };
}

export interface CosmosServer {
  /** `http://host:port/`, for `new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } })`. */
  endpoint: string;
  key: string;
  port: number;
  /**
   * Document writes (creates, replaces, deletes, expiries) by any local Cosmos server in this process so far: a change
   * detector, as in "nothing was written since the count read N" (persistence.ts skips its snapshot then).
   */
  writeCount(): number;
  /** Faults of the store on demand (429, 503, slow answers) for a window; see storeFaults.ts. */
  readonly faults: StoreFaults;
  /** Present with `dataDirectory`: documents replayed at start, and the journal's figures so far. */
  readonly durability?: { readonly restoredDocuments: number; stats(): JournalStats };
  close(): Promise<void>;
}

type RouteHandler = (
  account: Account,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  params: { dbId: string; collId: string },
) => Promise<unknown>;

interface BatchOperation {
  operationType?: string;
  id?: string;
  partitionKey?: string;
  ifMatch?: string;
  resourceBody?: JSONObject;
}

const SUPPORTED = ["Create", "Upsert", "Read", "Delete", "Replace"] as const;

/** An operation of a type this batch handles; the batch refuses the whole request before it touches one otherwise. */
interface SupportedOperation extends BatchOperation {
  operationType: (typeof SUPPORTED)[number];
}

const isSupported = (op: BatchOperation | null): op is SupportedOperation =>
  (SUPPORTED as readonly (string | undefined)[]).includes(op?.operationType);

const ATOMIC_MARK = Symbol.for("azure-choreography.atomicBatch");

/**
 * Starts `@vercel/cosmosdb-server` over plain HTTP (in memory; see persistence.ts for keeping it) with transactional
 * batches made atomic, time to live honoured (cosmosTtl.ts), single-partition queries scoped to their partition
 * (cosmosPartitionQueries.ts) and queries linear in the documents they read (cosmosLinearQueries.ts).
 * Clients need `connectionPolicy.enableEndpointDiscovery: false` and no custom `agent`: @azure/cosmos 4.9 allows plain
 * http:// only on its own default agent (already keep-alive); with `agent` set every request fails.
 */
export async function startCosmosServer(options: CosmosServerOptions = {}): Promise<CosmosServer> {
  installAtomicBatch();
  installCosmosTtl();
  installPartitionQueries();
  installLinearQueries();
  installWriteCounter();
  // Loaded only now: the routes capture the batch handler when they load, so the patch has to come first.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const routes = (require(cosmosServerModules.routes) as { default: (req: http.IncomingMessage) => [Record<string, string>, RouteHandler] | undefined }).default;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const AccountClass = (require(cosmosServerModules.account) as { default: new (host: string, port: number) => Account }).default;
  const faults = createStoreFaults();
  const bind = options.bind ?? "127.0.0.1";
  let account: Account | undefined;
  let journal: Journal | undefined;
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    void handleRequest(account!, journal, faults, routes, req, res);
  });
  // Idle keep-alive connections stay open until the client closes them. With Node's default (closed after 5 s idle)
  // a client could pick a pooled connection just as the server closed it, and @azure/cosmos retries a reset
  // connection for reads and queries only: the write (a reaction's batch, an HTTP start's commit) failed. The clients
  // are the stack's own hosts, each with one pooled agent, so the connections stay few.
  server.keepAliveTimeout = 0;
  // The account (and the journal's replay into it) before the first request: requests wait for the listen callback.
  server.once("listening", () => {
    const address = server.address() as { address: string; port: number };
    account = new AccountClass(address.address === "0.0.0.0" || address.address === "::" ? "localhost" : address.address, address.port);
  });
  const { port, baseUrl } = await listen(server, options.port ?? 8081, bind);
  let durability: CosmosServer["durability"];
  if (options.dataDirectory) {
    try {
      const opened = openDurableAccount(account!, { directory: options.dataDirectory, ...options.journal });
      journal = opened.journal;
      const j = opened.journal;
      durability = { restoredDocuments: opened.restoredDocuments, stats: () => j.getStats() };
    } catch (error) {
      await closeServer(server);
      throw error;
    }
  }
  return {
    endpoint: `${baseUrl}/`,
    key: COSMOS_EMULATOR_KEY,
    port,
    writeCount: () => writes.count,
    faults,
    ...(durability ? { durability } : {}),
    close: async () => {
      await closeServer(server);
      await journal?.close();
    },
  };
}

/**
 * `@vercel/cosmosdb-server`'s request handler (lib/index.js), owned here for two reasons: with a journal, the answer
 * leaves only once every write made so far is on disk (a read that saw a write waits for it too, so nothing a
 * client was shown can vanish in a crash); and a fault plan can refuse or slow a data-plane request before it runs.
 */
async function handleRequest(
  account: Account,
  journal: Journal | undefined,
  faults: StoreFaults,
  routes: (req: http.IncomingMessage) => [Record<string, string>, RouteHandler] | undefined,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    const route = routes(req);
    let body: Record<string, unknown> | undefined;
    const decision = route && isDataPlane(req) ? faults.decide() : undefined;
    if (decision && decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    if (decision?.fault?.kind === "throttled") {
      req.resume();
      res.statusCode = 429;
      res.setHeader("x-ms-retry-after-ms", String(decision.fault.retryAfterMs));
      res.setHeader("x-ms-substatus", "3200");
      body = { code: "429", message: "Request rate is large. More Request Units may be needed, so no changes were made. (local fault injection)" };
    } else if (decision?.fault?.kind === "unavailable") {
      req.resume();
      res.statusCode = 503;
      body = { code: "ServiceUnavailable", message: "Service is currently unavailable. (local fault injection)" };
    } else if (route) {
      const [params, handler] = route;
      try {
        body = (await handler(account, req, res, params as { dbId: string; collId: string })) as Record<string, unknown> | undefined;
      } catch (err) {
        console.error(err);
        body = { message: (err as Error).message };
        res.statusCode = 500;
      }
      if (res.statusCode > 399 && body && !body.message) body.message = "";
    } else {
      res.statusCode = 400;
      body = { message: "no route" };
    }
    if (journal?.pending) {
      try {
        await journal.durable();
      } catch (error) {
        // The write is in memory but not on disk: the client must not take it as done.
        res.statusCode = 500;
        body = { message: (error as Error).message };
      }
    }
    if (body && typeof body._etag === "string") res.setHeader("etag", body._etag);
    res.setHeader("content-type", "application/json");
    res.setHeader("content-location", `https://${req.headers.host}${req.url}`);
    res.setHeader("connection", "keep-alive");
    res.setHeader("x-ms-activity-id", randomUUID());
    res.setHeader("x-ms-request-charge", "1");
    if (req.headers["x-ms-documentdb-populatequerymetrics"]) res.setHeader("x-ms-documentdb-query-metrics", QUERY_METRICS);
    if (req.headers["a-im"] && res.statusCode === 200) {
      if (req.headers["if-none-match"]) res.statusCode = 304;
      res.setHeader("etag", "1");
    }
    res.end(JSON.stringify(body));
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.statusCode = 500;
    if (!res.writableEnded) res.end("");
  }
}

const QUERY_METRICS =
  "totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;" +
  "queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;" +
  "systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;" +
  "outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00";

/** Document requests (reads, queries, writes, batches): what a fault plan applies to; databases and containers not. */
const isDataPlane = (req: http.IncomingMessage): boolean => /\/docs(\/|$|\?)/.test(req.url ?? "");

const COUNTED = Symbol.for("azure-choreography.writeCounter");
const writes = { count: 0 };

/** Counts every document stored or removed, through the two methods all writes of the server end in. */
function installWriteCounter(): void {
  type Items = { _set: (...args: unknown[]) => unknown; delete: (...args: unknown[]) => unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require(cosmosServerModules.items) as { default: { prototype: Items & { [COUNTED]?: true } } }).default.prototype;
  if (proto[COUNTED]) return;
  const original = { _set: proto._set, delete: proto.delete };
  proto._set = function (this: Items, ...args: unknown[]) {
    writes.count += 1;
    return original._set.apply(this, args);
  };
  proto.delete = function (this: Items, ...args: unknown[]) {
    writes.count += 1;
    return original.delete.apply(this, args);
  };
  proto[COUNTED] = true;
}

/**
 * Why: in Azure a transactional batch is all or nothing, and this project's reactions rely on it (state, inbox and
 * outbox written in one batch). `@vercel/cosmosdb-server` applies ops one by one and keeps those before a failing
 * op, which would let a local run pass where Azure behaves differently. So its batch handler is replaced: every
 * op's precondition is checked first against the stored documents plus the effects of the earlier ops in the batch
 * (create: id free in its partition; replace/delete/read: exists; ifMatch: equals the current `_etag`); a failing
 * batch answers as Cosmos does (HTTP 207, the failing op's status, 424 for every other op) and changes nothing.
 * Only then are the ops applied, in the same synchronous section so no other request interleaves. Whatever the
 * check cannot foresee (a unique-key conflict, a changed partition key) is undone from an undo log.
 * Non-atomic batches (bulk) keep the original handler.
 */
export function installAtomicBatch(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const batchModule = require(cosmosServerModules.batchHandler) as { default: RouteHandler & { [ATOMIC_MARK]?: true } };
  if (batchModule.default[ATOMIC_MARK]) return;
  if (require.cache[require.resolve(cosmosServerModules.routes)]) {
    throw new Error(
      `${cosmosServerModules.routes} was loaded before the atomic batch patch; import startCosmosServer before anything ` +
        "that loads @vercel/cosmosdb-server.",
    );
  }
  const original = batchModule.default;
  const atomic: RouteHandler & { [ATOMIC_MARK]?: true } = (account, req, res, params) =>
    isTrueHeader(req, "x-ms-cosmos-batch-atomic") ? atomicBatch(account, req, res, params) : original(account, req, res, params);
  atomic[ATOMIC_MARK] = true;
  batchModule.default = atomic;
}

async function atomicBatch(
  account: Account,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { dbId, collId }: { dbId: string; collId: string },
): Promise<unknown> {
  const text = await readText(req);
  // Everything below is synchronous: the check and the writes see one state, as a partition's batch does in Azure.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    res.statusCode = 400;
    return { message: "Invalid request body" };
  }
  const collection = account.database(dbId).collection(collId);
  if (!collection.read()) {
    res.statusCode = 404;
    return {};
  }
  if (!Array.isArray(parsed)) {
    res.statusCode = 400;
    return { message: "Invalid request body" };
  }
  const batchPartitionKey = headerValue(req, "x-ms-documentdb-partitionkey");
  // The SDK sends the batch's partition key once, in the header; the server's op functions expect it on each op.
  const operations = (parsed as (BatchOperation | null)[]).map((op) =>
    op && op.partitionKey === undefined && batchPartitionKey !== undefined ? { ...op, partitionKey: batchPartitionKey } : op,
  );
  if (!operations.every(isSupported)) {
    const unsupported = operations.find((op) => !isSupported(op));
    res.statusCode = 400;
    return { message: `Operation type '${unsupported?.operationType}' is not supported in Batch.` };
  }
  const failure = precheck(collection, operations);
  if (failure) {
    res.statusCode = 207;
    return failedBatch(operations.length, failure);
  }
  return apply(collection, operations, res);
}

interface Failure {
  index: number;
  statusCode: number;
  message?: string;
}

type Slot = { exists: false } | { exists: true; etag: string | undefined };

function precheck(collection: Collection, operations: readonly SupportedOperation[]): Failure | undefined {
  // Effects of earlier ops in this batch; a document written here has an etag nobody can know yet.
  const slots = new Map<string, Slot>();
  const slotOf = (address: Address): Slot => {
    const key = JSON.stringify([address.partition || address.id, address.id]);
    const known = slots.get(key);
    if (known) return known;
    const stored = collection.document(address.id, address.partition).read();
    return stored ? { exists: true, etag: stored._etag } : { exists: false };
  };
  const setSlot = (address: Address, slot: Slot): void => {
    slots.set(JSON.stringify([address.partition || address.id, address.id]), slot);
  };
  const etagFails = (op: BatchOperation, slot: Slot): boolean =>
    Boolean(op.ifMatch) && (!slot.exists || slot.etag === undefined || slot.etag !== op.ifMatch);

  for (const [index, op] of operations.entries()) {
    let address: Address;
    try {
      address = addressOf(collection, op);
    } catch (error) {
      return { index, statusCode: 400, message: (error as Error).message };
    }
    const slot = slotOf(address);
    switch (op.operationType) {
      case "Create":
        if (slot.exists) return { index, statusCode: 409, message: "Resource with specified id already exists." };
        setSlot(address, { exists: true, etag: undefined });
        break;
      case "Upsert":
        if (op.ifMatch && slot.exists && etagFails(op, slot)) return { index, statusCode: 412 };
        setSlot(address, { exists: true, etag: undefined });
        break;
      case "Replace":
        if (!slot.exists) return { index, statusCode: 404 };
        if (etagFails(op, slot)) return { index, statusCode: 412 };
        setSlot(address, { exists: true, etag: undefined });
        break;
      case "Delete":
        if (!slot.exists) return { index, statusCode: 404 };
        if (etagFails(op, slot)) return { index, statusCode: 412 };
        setSlot(address, { exists: false });
        break;
      case "Read":
        if (!slot.exists) return { index, statusCode: 404 };
        break;
      default: {
        const never: never = op.operationType;
        throw new Error(`unhandled batch operation ${String(never)}`);
      }
    }
  }
  return undefined;
}

interface Address {
  id: string;
  partition: unknown;
}

/** Where an op lands, worked out as `_document-operations` does, so the check and the write agree. */
function addressOf(collection: Collection, op: BatchOperation): Address {
  if (op.operationType === "Read" || op.operationType === "Delete") {
    if (typeof op.id !== "string" || op.id === "") throw new Error("missing id");
    return { id: op.id, partition: parsePartitionKey(op.partitionKey, op.id) };
  }
  const id = op.resourceBody?.["id"];
  if (typeof id !== "string" || id === "") throw new Error("missing id");
  if (op.operationType === "Create") {
    return { id, partition: collection.documents._getPartition(op.resourceBody ?? {}) };
  }
  return { id, partition: parsePartitionKey(op.partitionKey, id) };
}

function apply(collection: Collection, operations: readonly SupportedOperation[], res: http.ServerResponse): unknown {
  const documentOperations = serverModules().documentOperations;
  const undo: Array<() => void> = [];
  const rollback = (): void => {
    for (const step of undo.reverse()) step();
  };
  const results: unknown[] = [];
  for (const [index, op] of operations.entries()) {
    let result: OperationResult;
    let before: ItemObject | undefined;
    try {
      const address = addressOf(collection, op);
      before = collection.document(address.id, address.partition).read() ?? undefined;
      result = runOperation(documentOperations, collection, op);
    } catch (error) {
      rollback();
      throw error;
    }
    if (result.statusCode >= 400) {
      rollback();
      res.statusCode = 207;
      return failedBatch(operations.length, { index, statusCode: result.statusCode });
    }
    const after = op.operationType === "Read" ? undefined : (result.body as ItemObject | undefined);
    if (op.operationType !== "Read") undo.push(() => restore(collection, before, after));
    results.push({
      statusCode: result.statusCode,
      requestCharge: 1,
      eTag: result.body ? result.body["_etag"] : undefined,
      resourceBody: result.body,
    });
  }
  return results;
}

function runOperation(
  ops: typeof import("@vercel/cosmosdb-server/lib/handler/_document-operations"),
  collection: Collection,
  op: SupportedOperation,
): OperationResult {
  const input = op as never;
  switch (op.operationType) {
    case "Create":
      return ops.createOperation(collection, input);
    case "Upsert":
      return ops.upsertOperation(collection, input);
    case "Read":
      return ops.readOperation(collection, input);
    case "Delete":
      return ops.deleteOperation(collection, input);
    case "Replace":
      return ops.replaceOperation(collection, input);
    default: {
      const never: never = op.operationType;
      throw new Error(`unhandled batch operation ${String(never)}`);
    }
  }
}

function restore(collection: Collection, before: ItemObject | undefined, after: ItemObject | undefined): void {
  if (after) collection.documents.delete(after.id, collection.documents._getPartition(after));
  if (before) collection.documents._set(before);
}

/** The body Cosmos answers for a failed atomic batch: the failing op's status, 424 Failed Dependency for the rest. */
function failedBatch(count: number, failure: Failure): unknown[] {
  return Array.from({ length: count }, (_, index) =>
    index === failure.index
      ? { statusCode: failure.statusCode, requestCharge: 0, ...(failure.message ? { message: failure.message } : {}) }
      : { statusCode: 424, requestCharge: 0 },
  );
}

interface ServerModules {
  readonly documentOperations: typeof import("@vercel/cosmosdb-server/lib/handler/_document-operations");
  readonly partitionFromHeader: typeof import("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");
}

let loadedServerModules: ServerModules | undefined;

/**
 * The server's own op functions, loaded on first use (after the patches, like everything of the server's) and kept:
 * a `require` per batch resolves the module's path again each time (about 5 % of the store's CPU under load).
 */
function serverModules(): ServerModules {
  return (loadedServerModules ??= {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    documentOperations: require(cosmosServerModules.documentOperations) as ServerModules["documentOperations"],
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    partitionFromHeader: require(cosmosServerModules.partitionFromHeader) as ServerModules["partitionFromHeader"],
  });
}

function parsePartitionKey(partitionKey: string | undefined, id: string): unknown {
  return serverModules().partitionFromHeader.parsePartitionKey(partitionKey as string, id);
}

function readText(req: http.IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isTrueHeader(req: http.IncomingMessage, name: string): boolean {
  const value = req.headers[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.some((v) => v.toLowerCase() === "true");
}
