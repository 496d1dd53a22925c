import { CosmosClient } from "@azure/cosmos";
import { startCosmosServer, CosmosServer } from "@azure-choreography/cosmos-server";
import { outboxDocumentId, relayPendingOutbox, toOutboxDocument } from "#src/platform/publishing/outbox";
import { DocumentStore, createCosmosDocumentStore } from "#src/platform/store";
import { fixedNow } from "../support/events";
import { recordingPublisher } from "../support/inMemoryStore";

const envelope = (id: string, time: string) => ({
  specversion: "1.0" as const, id, source: "/services/orders", type: "Orders.OrderConfirmed.v1", time, correlationid: "flow", data: { orderId: "o" },
});

const outboxOf = (pk: string, event: ReturnType<typeof envelope>) => toOutboxDocument(pk, [event]);

/** The relay's query runs as SQL against the Cosmos-protocol server through the real @azure/cosmos client. */
describe("outbox relay against Cosmos", () => {
  let server: CosmosServer;
  let client: CosmosClient;
  let store: DocumentStore;

  beforeAll(async () => {
    server = await startCosmosServer({ port: 0 });
    client = new CosmosClient({ endpoint: server.endpoint, key: server.key, connectionPolicy: { enableEndpointDiscovery: false } });
    const { database } = await client.databases.createIfNotExists({ id: "relay" });
    const { container } = await database.containers.createIfNotExists({ id: "orders", partitionKey: { paths: ["/pk"] } });
    store = createCosmosDocumentStore(container);
  });
  afterAll(async () => {
    client?.dispose();
    await server?.close();
  });

  it("publishes what a crash left unsent once past the grace period, marks it sent, and then finds nothing", async () => {
    await store.commit("o-1", [{ op: "create", document: outboxOf("o-1", envelope("old", new Date(fixedNow.getTime() - 60_000).toISOString())) }]);
    await store.commit("o-2", [{ op: "create", document: outboxOf("o-2", envelope("fresh", new Date(fixedNow.getTime() - 1_000).toISOString())) }]);
    await store.commit("o-3", [{ op: "create", document: { ...outboxOf("o-3", envelope("sent", "2020-01-01T00:00:00.000Z")), sentAt: "2020-01-01T00:00:01.000Z" } }]);
    const publisher = recordingPublisher();
    await expect(relayPendingOutbox(store, publisher, { now: fixedNow, olderThanInMs: 10_000 })).resolves.toBe(1);
    expect(publisher.published.map((e) => e.id)).toEqual(["old"]);
    expect(await store.readDocument("outbox:old", "o-1")).toMatchObject({ sentAt: fixedNow.toISOString(), ttl: expect.any(Number) });
    await expect(relayPendingOutbox(store, publisher, { now: fixedNow, olderThanInMs: 10_000 })).resolves.toBe(0);
  });

  it("leaves entries unsent while Event Grid is down, so the next run publishes them", async () => {
    await store.commit("o-4", [{ op: "create", document: outboxOf("o-4", envelope("down", "2020-01-01T00:00:00.000Z")) }]);
    const publisher = recordingPublisher();
    publisher.failNext = 1;
    await expect(relayPendingOutbox(store, publisher, { now: fixedNow, olderThanInMs: 0 })).rejects.toThrow("Event Grid unavailable");
    expect(await store.readDocument("outbox:down", "o-4")).not.toHaveProperty("sentAt");
    await relayPendingOutbox(store, publisher, { now: fixedNow, olderThanInMs: 0 });
    expect(publisher.published.map((e) => e.id)).toContain("down");
  });

  it("publishes every event of a decision's document together", async () => {
    const old = "2020-01-01T00:00:00.000Z";
    await store.commit("o-5", [{ op: "create", document: toOutboxDocument("o-5", [envelope("first", old), envelope("second", old)]) }]);
    const publisher = recordingPublisher();
    await expect(relayPendingOutbox(store, publisher, { now: fixedNow, olderThanInMs: 0 })).resolves.toBe(2);
    expect(publisher.published.map((e) => e.id).sort()).toEqual(["first", "second"]);
    expect(await store.readDocument(outboxDocumentId("first"), "o-5")).toMatchObject({ sentAt: fixedNow.toISOString() });
  });
});
