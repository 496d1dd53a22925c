import { CosmosClient } from "@azure/cosmos";
import { LOCAL_DATABASE_NAME } from "#dev/stack";
import { StoreObserver, diffCounts } from "#scripts/bench/storeObserver";
import { ObservedCosmos, startObservedCosmos } from "./support/observedCosmos";

/** The bench's per-flow counts come from this observer; here it counts what the real client sends, kind by kind. */
describe("bench store observer", () => {
  let cosmos: ObservedCosmos;
  let client: CosmosClient;
  let observer: StoreObserver;

  beforeAll(async () => {
    cosmos = await startObservedCosmos();
    ({ client, observer } = cosmos);
  });

  afterAll(() => cosmos?.close());

  it("counts hits, misses, batches with their documents by category, failed batches and queries", async () => {
    const orders = client.database(LOCAL_DATABASE_NAME).container("orders");
    const journal = client.database(LOCAL_DATABASE_NAME).container("journal");
    await orders.item("warm", "p").read().catch(() => undefined); // the client's metadata reads happen first
    observer.setDetailed(true);
    const before = observer.counts();
    const seen: string[] = [];
    const stop = observer.onWrite(({ container }) => seen.push(container));

    await orders.item("nothing", "p1").read();
    await orders.items.batch(
      [
        { operationType: "Create", resourceBody: { id: "inbox:r:e1", pk: "p1", kind: "inbox" } },
        { operationType: "Create", resourceBody: { id: "outbox:e2", pk: "p1", kind: "outbox", padding: "x".repeat(1500) } },
        { operationType: "Create", resourceBody: { id: "order:1", pk: "p1", kind: "order" } },
      ],
      "p1",
    );
    await orders.item("order:1", "p1").read();
    await orders.items.batch([{ operationType: "Create", resourceBody: { id: "order:1", pk: "p1", kind: "order" } }], "p1");
    await journal.items.batch([{ operationType: "Create", resourceBody: { id: "entry:1", pk: "f", kind: "journalEntry" } }], "f");
    await orders.items.query({ query: "SELECT * FROM c WHERE c.pk = @pk", parameters: [{ name: "@pk", value: "p1" }] }).fetchAll();
    stop();

    const c = diffCounts(observer.counts(), before);
    expect(c.ops).toMatchObject({ readHit: 1, readMiss: 1, batch: 2, batchFailed: 1, query: 1, write: 0 });
    expect(c.batchOperations).toBe(4);
    expect(c.writes.inbox.documents).toBe(1);
    expect(c.writes.outbox).toMatchObject({ documents: 1, kbCeil: 2 });
    expect(c.writes.state.documents).toBe(1);
    expect(c.writes.journal.documents).toBe(1);
    expect(c.queryDocuments).toBe(3);
    expect(seen).toEqual(["orders", "journal"]);
  });

  it("counts operations only, not sizes, when not detailed", async () => {
    observer.setDetailed(false);
    const before = observer.counts();
    await client.database(LOCAL_DATABASE_NAME).container("orders").item("order:1", "p1").read();
    const c = diffCounts(observer.counts(), before);
    expect(c.ops.readHit).toBe(1);
    expect(c.readBytes).toBe(0);
  });
});
