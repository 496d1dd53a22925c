import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CosmosClient, type Container, ErrorResponse } from "@azure/cosmos";
import { startCosmosServer, type CosmosServer } from "../src/cosmosServer";
import { setTtlClock } from "../src/cosmosTtl";
import { COSMOS_JOURNAL_FILE as JOURNAL_FILE } from "../src/durableStore";

interface Doc {
  id: string;
  pk: string;
  value: number;
  ttl?: number;
}

const clientOf = (server: CosmosServer, retries?: number) =>
  new CosmosClient({
    endpoint: server.endpoint,
    key: server.key,
    connectionPolicy: {
      enableEndpointDiscovery: false,
      ...(retries === undefined ? {} : { retryOptions: { maxRetryAttemptCount: retries, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 1 } }),
    },
  });

const open = async (server: CosmosServer, retries?: number): Promise<{ client: CosmosClient; container: Container }> => {
  const client = clientOf(server, retries);
  const { database } = await client.databases.createIfNotExists({ id: "test" });
  const { container } = await database.containers.createIfNotExists({ id: "items", partitionKey: { paths: ["/pk"] }, defaultTtl: -1 });
  return { client, container };
};

const read = async (container: Container, id: string, pk: string): Promise<Doc | undefined> => (await container.item(id, pk).read<Doc>()).resource;

describe("durable store: every acknowledged write is on disk before the answer", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cosmos-journal-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every write acknowledged before a SIGKILL of the process holding the server", async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, [path.join(__dirname, "fixtures/writeThenWait.js"), dir, "400"], { stdio: ["ignore", "pipe", "pipe"] });
    const acked: string[] = [];
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString("utf8");
        let i: number;
        while ((i = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          const match = /^acked (\S+)$/.exec(line);
          if (match) acked.push(match[1]!);
          // Killed while writes are still in flight: the acknowledged ones must all be there, the others may or may not.
          if (acked.length === 150) {
            child.kill("SIGKILL");
            resolve();
          }
        }
      });
      child.once("exit", () => reject(new Error(`the writer exited before the kill: ${stderr}`)));
    });
    expect(await exited).toBe("SIGKILL");

    const server = await startCosmosServer({ port: 0, dataDirectory: dir });
    const { client, container } = await open(server);
    try {
      const missing: string[] = [];
      for (const id of acked) {
        const i = Number(id.slice("doc-".length));
        const pk = i % 2 === 0 ? `p${i % 7}` : `batch-${i}`;
        if (!(await read(container, id, pk))) missing.push(id);
        // A batch is all or nothing after the restart too.
        if (i % 2 === 1 && !(await read(container, `${id}-outbox`, pk))) missing.push(`${id}-outbox`);
      }
      expect(missing).toEqual([]);
      expect(server.durability?.restoredDocuments).toBeGreaterThanOrEqual(150);
    } finally {
      client.dispose();
      await server.close();
    }
  }, 60_000);

  it("restores documents as stored: etag, _ts (so time to live keeps running) and the next _rid", async () => {
    const dir = freshDir();
    let clockInSeconds = Date.now() / 1000;
    setTtlClock(() => clockInSeconds);
    try {
      const first = await startCosmosServer({ port: 0, dataDirectory: dir });
      const a = await open(first);
      const { resource: kept } = await a.container.items.create<Doc>({ id: "kept", pk: "p", value: 1 });
      const { resource: expiring } = await a.container.items.create<Doc>({ id: "expiring", pk: "p", value: 2, ttl: 60 });
      a.client.dispose();
      await first.close();

      const second = await startCosmosServer({ port: 0, dataDirectory: dir });
      const b = await open(second);
      try {
        const again = (await b.container.item("kept", "p").read<Doc & { _etag: string; _ts: number; _rid: string }>()).resource;
        expect(again).toMatchObject({ value: 1, _etag: kept!._etag, _ts: kept!._ts, _rid: kept!._rid });
        expect((await read(b.container, "expiring", "p"))?.value).toBe(2);
        // A new document does not take the _rid of a restored one (it would replace it in the server's map).
        await b.container.items.create<Doc>({ id: "new", pk: "p", value: 3 });
        expect((await read(b.container, "kept", "p"))?.value).toBe(1);
        // The write's If-Match with the etag from before the restart still holds.
        await b.container.item("kept", "p").replace<Doc>({ id: "kept", pk: "p", value: 4 }, { accessCondition: { type: "IfMatch", condition: kept!._etag } });
        // 60 s after the write, not after the restart.
        clockInSeconds = (expiring as unknown as { _ts: number })._ts + 61;
        expect(await read(b.container, "expiring", "p")).toBeUndefined();
      } finally {
        b.client.dispose();
        await second.close();
      }
      const third = await startCosmosServer({ port: 0, dataDirectory: dir });
      const c = await open(third);
      try {
        expect((await read(c.container, "kept", "p"))?.value).toBe(4);
        expect((await read(c.container, "new", "p"))?.value).toBe(3);
        expect(await read(c.container, "expiring", "p")).toBeUndefined();
      } finally {
        c.client.dispose();
        await third.close();
      }
    } finally {
      setTtlClock(() => Date.now() / 1000);
    }
  });

  it("drops a torn last line (a crash mid-write) and goes on appending after the lines before it", async () => {
    const dir = freshDir();
    const first = await startCosmosServer({ port: 0, dataDirectory: dir });
    const a = await open(first);
    await a.container.items.create<Doc>({ id: "whole", pk: "p", value: 1 });
    a.client.dispose();
    await first.close();
    appendFileSync(path.join(dir, JOURNAL_FILE), '[["doc","test","items",{"id":"torn","pk":"p","val');

    const second = await startCosmosServer({ port: 0, dataDirectory: dir });
    const b = await open(second);
    await b.container.items.create<Doc>({ id: "after", pk: "p", value: 2 });
    b.client.dispose();
    await second.close();

    const third = await startCosmosServer({ port: 0, dataDirectory: dir });
    const c = await open(third);
    try {
      expect((await read(c.container, "whole", "p"))?.value).toBe(1);
      expect((await read(c.container, "after", "p"))?.value).toBe(2);
      expect(await read(c.container, "torn", "p")).toBeUndefined();
    } finally {
      c.client.dispose();
      await third.close();
    }
  });

  it("compacts the log once it outgrows the live data, and at start, keeping the latest of everything", async () => {
    const dir = freshDir();
    const server = await startCosmosServer({ port: 0, dataDirectory: dir, journal: { compactFactor: 3, compactMinBytes: 20_000 } });
    const a = await open(server);
    await a.container.items.create<Doc>({ id: "gone", pk: "p", value: 0 });
    await a.container.item("gone", "p").delete();
    for (let i = 0; i < 400; i++) await a.container.items.upsert<Doc>({ id: `doc-${i % 5}`, pk: "p", value: i });
    const stats = server.durability!.stats();
    expect(stats.compactions).toBeGreaterThan(0);
    expect(stats.logBytes).toBeLessThan(3 * 20_000);
    a.client.dispose();
    await server.close();

    const again = await startCosmosServer({ port: 0, dataDirectory: dir });
    const b = await open(again);
    try {
      expect(await Promise.all([0, 1, 2, 3, 4].map(async (k) => (await read(b.container, `doc-${k}`, "p"))?.value))).toEqual([395, 396, 397, 398, 399]);
      expect(await read(b.container, "gone", "p")).toBeUndefined();
      // Compacted at start: one line per database, container and live document.
      expect(readFileSync(path.join(dir, JOURNAL_FILE), "utf8").trim().split("\n")).toHaveLength(1 + 1 + 5);
    } finally {
      b.client.dispose();
      await again.close();
    }
  });
});

describe("store faults on demand", () => {
  let server: CosmosServer;
  let client: CosmosClient;
  let container: Container;

  beforeAll(async () => {
    server = await startCosmosServer({ port: 0 });
    ({ client, container } = await open(server, 0));
  });
  afterAll(async () => {
    client.dispose();
    await server.close();
  });
  afterEach(() => server.faults.clear());

  const failure = async (work: Promise<unknown>): Promise<ErrorResponse> => {
    try {
      await work;
    } catch (error) {
      return error as ErrorResponse;
    }
    throw new Error("expected the request to fail");
  };

  it("answers 429 with x-ms-retry-after-ms and writes nothing", async () => {
    server.faults.set({ throttledShare: 1, retryAfterMs: 250, forMs: 60_000 });
    const error = await failure(container.items.create<Doc>({ id: "throttled", pk: "f", value: 1 }));
    expect(error.code).toBe(429);
    expect(error.retryAfterInMs).toBe(250);
    server.faults.clear();
    expect(await read(container, "throttled", "f")).toBeUndefined();
  });

  it("answers 503 for a share of requests and writes nothing of a refused batch", async () => {
    server.faults.set({ unavailableShare: 1, forMs: 60_000 });
    expect((await failure(container.items.create<Doc>({ id: "b0", pk: "fb", value: 0 }))).code).toBe(503);
    // @azure/cosmos 4.9 rethrows a refused batch as a plain Error ("Batch request error: …"), without the code.
    const error = await failure(
      container.items.batch([
        { operationType: "Create", resourceBody: { id: "b1", pk: "fb", value: 1 } },
        { operationType: "Create", resourceBody: { id: "b2", pk: "fb", value: 2 } },
      ], "fb"),
    );
    expect(error.message).toMatch(/Service is currently unavailable/);
    expect(server.faults.current()).toMatchObject({ unavailable: 2 });
    server.faults.clear();
    expect(await read(container, "b0", "fb")).toBeUndefined();
    expect(await read(container, "b1", "fb")).toBeUndefined();
  });

  it("lets databases and containers through, and ends the plan after its window", async () => {
    server.faults.set({ unavailableShare: 1, forMs: 50 });
    await client.database("test").container("items").read();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(server.faults.current()).toBeUndefined();
    await container.items.create<Doc>({ id: "after-window", pk: "f", value: 1 });
  });

  it("answers late while a delay is set, and the request still succeeds", async () => {
    server.faults.set({ delayMs: 30, forMs: 60_000 });
    await container.items.create<Doc>({ id: "slow", pk: "f", value: 1 });
    expect(server.faults.current()).toMatchObject({ delayed: 1, throttled: 0 });
    expect((await read(container, "slow", "f"))?.value).toBe(1);
  });

  it("refuses a plan out of bounds", () => {
    expect(() => server.faults.set({ throttledShare: 2, forMs: 10 })).toThrow(/throttledShare/);
    expect(() => server.faults.set({ forMs: 0 })).toThrow(/forMs/);
  });
});
