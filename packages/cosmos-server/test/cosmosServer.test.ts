import * as net from "node:net";
import { CosmosClient, type Container, type OperationInput } from "@azure/cosmos";
import { startCosmosServer, type CosmosServer } from "../src/cosmosServer";
import { setTtlClock } from "../src/cosmosTtl";

interface Doc {
  id: string;
  pk: string;
  value: number;
}

describe("local Cosmos server (real @azure/cosmos client)", () => {
  let server: CosmosServer;
  let client: CosmosClient;
  let container: Container;

  beforeAll(async () => {
    server = await startCosmosServer({ port: 0 });
    // No `agent` option: @azure/cosmos 4.9 sets allowInsecureConnection only on its own default agent (already
    // keepAlive: true), so a custom agent makes every http:// request fail with "Cannot connect ... allowInsecureConnection".
    client = new CosmosClient({
      endpoint: server.endpoint,
      key: server.key,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    const { database } = await client.databases.createIfNotExists({ id: "test" });
    ({ container } = await database.containers.createIfNotExists({ id: "items", partitionKey: { paths: ["/pk"] } }));
  });

  afterAll(async () => {
    client.dispose();
    await server.close();
  });

  const read = async (id: string, pk: string): Promise<Doc | undefined> => (await container.item(id, pk).read<Doc>()).resource;

  it("creates, reads, replaces and deletes a document", async () => {
    const { resource: created } = await container.items.create<Doc>({ id: "crud", pk: "p1", value: 1 });
    expect(created?._etag).toEqual(expect.any(String));

    expect(await read("crud", "p1")).toMatchObject({ id: "crud", pk: "p1", value: 1 });
    await container.item("crud", "p1").replace<Doc>({ id: "crud", pk: "p1", value: 2 });
    expect((await read("crud", "p1"))?.value).toBe(2);

    await container.item("crud", "p1").delete();
    expect(await read("crud", "p1")).toBeUndefined();
  });

  it("queries one partition with WHERE c.pk = @pk", async () => {
    await container.items.create<Doc>({ id: "q1", pk: "query-a", value: 1 });
    await container.items.create<Doc>({ id: "q2", pk: "query-a", value: 2 });
    await container.items.create<Doc>({ id: "q3", pk: "query-b", value: 3 });

    const { resources } = await container.items
      .query<Doc>({ query: "SELECT * FROM c WHERE c.pk = @pk", parameters: [{ name: "@pk", value: "query-a" }] })
      .fetchAll();

    expect(resources.map((d) => d.id).sort()).toEqual(["q1", "q2"]);
  });

  describe("a query with a partition key reads that partition only, as in Cosmos DB", () => {
    const inPartition = async (pk: string, query = "SELECT * FROM c") =>
      (await container.items.query<Doc>(query, { partitionKey: pk }).fetchAll()).resources.map((d) => d.id).sort();

    it("returns no document of another partition, even when the WHERE does not name the partition", async () => {
      await container.items.create<Doc>({ id: "s1", pk: "scope-a", value: 1 });
      await container.items.create<Doc>({ id: "s2", pk: "scope-a", value: 2 });
      await container.items.create<Doc>({ id: "s3", pk: "scope-b", value: 3 });

      expect(await inPartition("scope-a")).toEqual(["s1", "s2"]);
      expect(await inPartition("scope-b", "SELECT * FROM c WHERE c[\"value\"] > 0")).toEqual(["s3"]);
      expect(await inPartition("scope-none")).toEqual([]);
      // Without a partition key the query still spans the container.
      const { resources } = await container.items.query<Doc>("SELECT * FROM c WHERE STARTSWITH(c.pk, 'scope-')").fetchAll();
      expect(resources.map((d) => d.id).sort()).toEqual(["s1", "s2", "s3"]);
    });

    it("answers the query plan the client asks for beside every query over no documents, not the whole container", async () => {
      await container.items.create<Doc>({ id: "plan-1", pk: "plan", value: 1 });
      const post = (planRequest: boolean) =>
        fetch(`${server.endpoint}dbs/test/colls/items/docs`, {
          method: "POST",
          headers: {
            "content-type": "application/query+json",
            "x-ms-documentdb-isquery": "true",
            "x-ms-documentdb-query-enablecrosspartition": "true",
            ...(planRequest ? { "x-ms-cosmos-is-query-plan-request": "true" } : {}),
          },
          body: JSON.stringify({ query: "SELECT * FROM c WHERE c.pk = 'plan'" }),
        }).then(async (r) => ((await r.json()) as { Documents: Doc[] }).Documents.map((d) => d.id));
      expect(await post(false)).toEqual(["plan-1"]);
      expect(await post(true)).toEqual([]);
    });

    it("follows creates, replaces, upserts, deletes and batches", async () => {
      await container.items.create<Doc>({ id: "f1", pk: "follow", value: 1 });
      expect(await inPartition("follow")).toEqual(["f1"]);
      await container.item("f1", "follow").replace<Doc>({ id: "f1", pk: "follow", value: 2 });
      await container.items.upsert<Doc>({ id: "f2", pk: "follow", value: 1 });
      await container.items.batch(
        [
          { operationType: "Create", resourceBody: { id: "f3", pk: "follow", value: 1 } },
          { operationType: "Delete", id: "f2" },
        ],
        "follow",
      );
      expect(await inPartition("follow")).toEqual(["f1", "f3"]);
      expect((await container.items.query<Doc>("SELECT * FROM c", { partitionKey: "follow" }).fetchAll()).resources.find((d) => d.id === "f1")?.value).toBe(2);
      await container.item("f1", "follow").delete();
      expect(await inPartition("follow")).toEqual(["f3"]);
    });
  });

  it("refuses a replace with a stale ETag with 412", async () => {
    const { resource: created } = await container.items.create<Doc>({ id: "etag", pk: "p2", value: 1 });
    const staleEtag = created?._etag ?? "";
    await container.item("etag", "p2").replace<Doc>({ id: "etag", pk: "p2", value: 2 });

    await expect(
      container
        .item("etag", "p2")
        .replace<Doc>({ id: "etag", pk: "p2", value: 3 }, { accessCondition: { type: "IfMatch", condition: staleEtag } }),
    ).rejects.toMatchObject({ code: 412 });
    expect((await read("etag", "p2"))?.value).toBe(2);
  });

  it("applies nothing from a batch whose second op fails", async () => {
    await container.items.create<Doc>({ id: "taken", pk: "b1", value: 0 });

    const response = await container.items.batch(
      [
        { operationType: "Create", resourceBody: { id: "fresh", pk: "b1", value: 1 } },
        { operationType: "Create", resourceBody: { id: "taken", pk: "b1", value: 1 } },
        { operationType: "Upsert", resourceBody: { id: "other", pk: "b1", value: 1 } },
      ],
      "b1",
    );

    expect(response.code).toBe(207);
    expect(response.result?.map((r) => r.statusCode)).toEqual([424, 409, 424]);
    expect(await read("fresh", "b1")).toBeUndefined();
    expect(await read("other", "b1")).toBeUndefined();
    expect((await read("taken", "b1"))?.value).toBe(0);
  });

  it("applies nothing when a replace in the batch carries a stale ETag", async () => {
    const { resource: balance } = await container.items.create<Doc>({ id: "balance", pk: "b2", value: 10 });
    await container.item("balance", "b2").replace<Doc>({ id: "balance", pk: "b2", value: 11 });

    const operations: OperationInput[] = [
      { operationType: "Create", resourceBody: { id: "inbox-1", pk: "b2", value: 0 } },
      { operationType: "Replace", id: "balance", resourceBody: { id: "balance", pk: "b2", value: 5 }, ifMatch: balance?._etag },
    ];
    const response = await container.items.batch(operations, "b2");

    expect(response.code).toBe(207);
    expect(response.result?.map((r) => r.statusCode)).toEqual([424, 412]);
    expect(await read("inbox-1", "b2")).toBeUndefined();
    expect((await read("balance", "b2"))?.value).toBe(11);
  });

  it("applies a batch of creates and a replace with the right ETag", async () => {
    const { resource: state } = await container.items.create<Doc>({ id: "state", pk: "b3", value: 1 });

    const response = await container.items.batch(
      [
        { operationType: "Create", resourceBody: { id: "inbox-e1", pk: "b3", value: 0 } },
        { operationType: "Create", resourceBody: { id: "outbox-e1", pk: "b3", value: 0 } },
        { operationType: "Replace", id: "state", resourceBody: { id: "state", pk: "b3", value: 2 }, ifMatch: state?._etag },
      ],
      "b3",
    );

    expect(response.code).toBe(200);
    expect(response.result?.map((r) => r.statusCode)).toEqual([201, 201, 200]);
    expect(await read("inbox-e1", "b3")).toBeDefined();
    expect(await read("outbox-e1", "b3")).toBeDefined();
    expect((await read("state", "b3"))?.value).toBe(2);
    expect(response.result?.[2]?.eTag).toBe((await container.item("state", "b3").read()).etag);
  });

  it("refuses a create of an id created earlier in the same batch", async () => {
    const response = await container.items.batch(
      [
        { operationType: "Create", resourceBody: { id: "twice", pk: "b4", value: 1 } },
        { operationType: "Create", resourceBody: { id: "twice", pk: "b4", value: 2 } },
      ],
      "b4",
    );

    expect(response.result?.map((r) => r.statusCode)).toEqual([424, 409]);
    expect(await read("twice", "b4")).toBeUndefined();
  });

  it("rolls back what the check cannot foresee: a replace that changes the partition key", async () => {
    await container.items.create<Doc>({ id: "moving", pk: "b5", value: 1 });

    const response = await container.items.batch(
      [
        { operationType: "Create", resourceBody: { id: "before-move", pk: "b5", value: 1 } },
        { operationType: "Replace", id: "moving", resourceBody: { id: "moving", pk: "elsewhere", value: 2 } },
      ],
      "b5",
    );

    expect(response.result?.map((r) => r.statusCode)).toEqual([424, 400]);
    expect(await read("before-move", "b5")).toBeUndefined();
    expect((await read("moving", "b5"))?.value).toBe(1);
  });

  it("measures sequential point writes (printed, not asserted)", async () => {
    // Warm up first so JIT and socket setup are not in the figure.
    for (let i = 0; i < 50; i += 1) await container.items.create<Doc>({ id: `warm-${i}`, pk: "warm", value: i });
    const count = 500;
    const started = performance.now();
    for (let i = 0; i < count; i += 1) {
      await container.items.create<Doc>({ id: `perf-${i}`, pk: "perf", value: i });
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`cosmos-server: ${count} sequential point writes in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)} ops/s`);
    expect(await read(`perf-${count - 1}`, "perf")).toBeDefined();
  });

  describe("time to live, as Cosmos DB applies it", () => {
    let clockInSeconds = Date.now() / 1000;
    beforeAll(() => setTtlClock(() => clockInSeconds));
    afterAll(() => setTtlClock(() => Date.now() / 1000));
    const later = (seconds: number) => {
      clockInSeconds = Date.now() / 1000 + seconds;
    };
    const containerWith = async (id: string, defaultTtl?: number) =>
      (await client.database("test").containers.createIfNotExists({ id, partitionKey: { paths: ["/pk"] }, ...(defaultTtl === undefined ? {} : { defaultTtl }) })).container;
    const ids = async (c: Container) => (await c.items.query<Doc>("SELECT * FROM c").fetchAll()).resources.map((d) => d.id).sort();

    it("with defaultTtl -1 expires only items with their own ttl, on read, query and listing", async () => {
      later(0);
      const c = await containerWith("ttl-minus-one", -1);
      await c.items.create({ id: "short", pk: "p", value: 1, ttl: 30 });
      await c.items.create({ id: "forever", pk: "p", value: 2 });
      await c.items.create({ id: "kept", pk: "p", value: 3, ttl: -1 });
      later(29);
      expect(await ids(c)).toEqual(["forever", "kept", "short"]);
      later(31);
      expect((await c.items.query<Doc>("SELECT * FROM c", { partitionKey: "p" }).fetchAll()).resources.map((d) => d.id).sort()).toEqual(["forever", "kept"]);
      expect((await c.item("short", "p").read()).statusCode).toBe(404);
      expect(await ids(c)).toEqual(["forever", "kept"]);
      expect((await c.items.readAll().fetchAll()).resources.map((d) => d.id).sort()).toEqual(["forever", "kept"]);
      // Expired means gone: the id can be created again.
      expect((await c.items.create({ id: "short", pk: "p", value: 4 })).statusCode).toBe(201);
    });

    it("with a positive defaultTtl expires every item unless it sets ttl -1; without one, item ttl is ignored", async () => {
      later(0);
      const timed = await containerWith("ttl-sixty", 60);
      await timed.items.create({ id: "default", pk: "p", value: 1 });
      await timed.items.create({ id: "pinned", pk: "p", value: 2, ttl: -1 });
      const untimed = await containerWith("ttl-none");
      await untimed.items.create({ id: "ignored", pk: "p", value: 3, ttl: 1 });
      later(61);
      expect(await ids(timed)).toEqual(["pinned"]);
      expect(await ids(untimed)).toEqual(["ignored"]);
    });
  });

  it("keeps an idle keep-alive connection open: a client that reuses it for a write is never reset", async () => {
    // @azure/cosmos retries a reset connection for reads only: a batch sent on a pooled connection the server closed
    // for idleness (Node's default after 5 s) as the client picked it failed the write (seen in the bench as a 500).
    const socket = net.connect(server.port, "127.0.0.1");
    let closed = false;
    socket.on("close", () => (closed = true));
    socket.on("error", () => undefined);
    const answered = new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString("latin1"))));
    socket.write("GET /dbs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    expect(await answered).toMatch(/^HTTP\/1\.1 \d{3} /);
    await new Promise((resolve) => setTimeout(resolve, 7_000)); // Node closes idle ones 5 s after, checked about once a second
    expect(closed).toBe(false);
    socket.destroy();
  }, 15_000);
});
