import { ConcurrencyConflictError } from "#src/platform/errors";
import { documentSchema } from "#src/platform/documentSchema";
import { createRecentWrites, openSession, runReaction } from "#src/platform/reactions";
import { StockDocument, orderPartition, stockDocumentSchema, stockPartition } from "#src/services/inventory/documents";
import { reserveStockWhenOrderPlaced } from "#src/services/inventory/reserveStockWhenOrderPlaced";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

const placed = () =>
  anEvent("Orders.OrderPlaced.v2", {
    orderId: "o-1", customerId: "c", currency: "EUR", total: 1, paymentMethodId: A_PAYMENT_METHOD_ID, items: [{ sku: "A", quantity: 1, unitPrice: 1 }],
  });
const reservationSchema = documentSchema("reservation", {});
const ownLatest = [[stockDocumentSchema, "ownLatest"]] as const;
const stockA = (available: number, reserved = 0): StockDocument => ({ id: "stock:A", pk: stockPartition("A"), kind: "stock", sku: "A", available, reserved });

describe("session: decisions put documents, the session knows their versions", () => {
  it("turns a put of a document load read into a replace with the ETag it was read with", async () => {
    const store = createInMemoryStore([stockA(5)]);
    const etag = (await store.readDocument("stock:A", stockPartition("A")))?._etag;
    const session = openSession(store);
    const read = await session.store.readDocument<StockDocument>("stock:A", stockPartition("A"));
    expect(session.writesFor([{ put: { ...read!, available: 4 } }])).toEqual([{ op: "replace", ifMatch: etag, document: { ...stockA(4) } }]);
  });

  it("turns a put of a document load found missing into a create", async () => {
    const session = openSession(createInMemoryStore());
    expect(await session.store.readDocument("stock:A", stockPartition("A"))).toBeUndefined();
    expect(session.writesFor([{ put: stockA(1) }])).toEqual([{ op: "create", document: stockA(1) }]);
  });

  it("remembers the versions of what a query returned", async () => {
    const store = createInMemoryStore([stockA(5)]);
    const session = openSession(store);
    const [found] = await session.store.queryDocuments<StockDocument>(stockPartition("A"), "c.kind = 'stock'");
    expect(session.writesFor([{ put: { ...found!, available: 0 } }])).toEqual([
      { op: "replace", ifMatch: (await store.readDocument("stock:A", stockPartition("A")))?._etag, document: stockA(0) },
    ]);
  });

  it("refuses a put of a document load never looked at: it could only guess between create and a blind overwrite", () => {
    const session = openSession(createInMemoryStore([stockA(5)]));
    expect(() => session.writesFor([{ put: stockA(0) }])).toThrow(/never read/);
  });

  it("hands load plain documents, without the store's system properties", async () => {
    const session = openSession(createInMemoryStore([stockA(5)]));
    expect(await session.store.readDocument("stock:A", stockPartition("A"))).toEqual(stockA(5));
    expect(await session.store.queryDocuments(stockPartition("A"), "c.kind = 'stock'")).toEqual([stockA(5)]);
  });
});

describe("session: outside calls under a durable intent", () => {
  const intent = { id: "payment:o-1", pk: "o-1", kind: "payment", status: "Charging", chargeKey: "key-1" };

  it("records the intent before the call, calls under the step's key, and lets the decision replace the intent", async () => {
    const store = createInMemoryStore();
    const session = openSession(store);
    expect(await session.store.readDocument("payment:o-1", "o-1")).toBeUndefined();
    const seen: unknown[] = [];
    const result = await session.call({
      intent,
      idempotencyKey: "key-1",
      call: async (key) => {
        seen.push(key, await store.readDocument("payment:o-1", "o-1"));
        return "charged";
      },
    });
    expect(result).toBe("charged");
    expect(seen).toEqual(["key-1", expect.objectContaining(intent)]);
    expect(session.writesFor([{ put: { ...intent, status: "Charged" } }])).toEqual([
      { op: "replace", ifMatch: (await store.readDocument("payment:o-1", "o-1"))?._etag, document: { ...intent, status: "Charged" } },
    ]);
  });

  it("takes the recorded intent's version from the commit's answer: no read after the create", async () => {
    const store = createInMemoryStore();
    const session = openSession(store);
    await session.store.readDocument("payment:o-1", "o-1");
    const reads = jest.spyOn(store, "readDocument");
    await session.call({ intent, idempotencyKey: "key-1", call: async () => "charged" });
    expect(reads).not.toHaveBeenCalled();
    expect(session.writesFor([{ put: { ...intent, status: "Charged" } }])[0]).toMatchObject({
      op: "replace",
      ifMatch: (await store.readDocument("payment:o-1", "o-1"))?._etag,
    });
  });

  it("assumeAbsent: a put of a document load knows is new creates it, and conflicts if it exists after all", async () => {
    const store = createInMemoryStore([{ id: "entry:1", pk: "f", kind: "entry" }]);
    const session = openSession(store);
    session.assumeAbsent("entry:2", "f");
    session.assumeAbsent("entry:1", "f");
    const writes = session.writesFor([{ put: { id: "entry:2", pk: "f", kind: "entry" } }, { put: { id: "entry:1", pk: "f", kind: "entry" } }]);
    expect(writes.map((w) => w.op)).toEqual(["create", "create"]);
    await expect(store.commit("f", writes)).rejects.toBeInstanceOf(ConcurrencyConflictError);
  });

  it("a likelyNew hint: the first attempt of a delivery takes the document as new without a read; later attempts read", async () => {
    const store = createInMemoryStore([{ id: "reservation:o-1", pk: "stock", kind: "reservation" }]);
    const reads = jest.spyOn(store, "readDocument");
    const readHints = [[reservationSchema, "likelyNew"]] as const;
    const first = openSession(store, { firstAttempt: true, readHints });
    expect(await first.read(reservationSchema, "reservation:o-1", "stock")).toBeUndefined();
    expect(reads).not.toHaveBeenCalled();
    // It existed after all (a redelivery): the create conflicts, and the runner's next attempt reads it.
    await expect(store.commit("stock", first.writesFor([{ put: { id: "reservation:o-1", pk: "stock", kind: "reservation" } }]))).rejects.toBeInstanceOf(ConcurrencyConflictError);
    const retry = openSession(store, { firstAttempt: false, readHints });
    expect(await retry.read(reservationSchema, "reservation:o-1", "stock")).toMatchObject({ id: "reservation:o-1" });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it("writes nothing before the call when load found the intent recorded", async () => {
    const store = createInMemoryStore([intent]);
    const session = openSession(store);
    const recorded = await session.store.readDocument<typeof intent & { kind: string }>("payment:o-1", "o-1");
    await session.call({ intent: recorded!, idempotencyKey: "key-1", call: async () => "again" });
    expect(store.commits).toEqual([]);
  });

  it("conflicts, without calling, when someone recorded the intent's id since load looked", async () => {
    const store = createInMemoryStore();
    const session = openSession(store);
    await session.store.readDocument("payment:o-1", "o-1");
    await store.commit("o-1", [{ op: "create", document: { ...intent, status: "CancelledBeforeCharge" } }]);
    const call = jest.fn(async () => "charged");
    await expect(session.call({ intent, idempotencyKey: "key-1", call })).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(call).not.toHaveBeenCalled();
  });
});

describe("runReaction: a concurrent change between load and commit", () => {
  it("makes the commit conflict; the runner loads and decides again from the new state", async () => {
    const store = createInMemoryStore([stockA(2)]);
    const decided: (string | undefined)[] = [];
    let raced = false;
    const racing: typeof reserveStockWhenOrderPlaced = {
      ...reserveStockWhenOrderPlaced,
      async load(event, context) {
        const state = await reserveStockWhenOrderPlaced.load(event, context);
        if (!raced) {
          raced = true;
          // The order's cancellation decides its outcome after this load looked.
          await store.commit(orderPartition("o-1"), [
            { op: "create", document: { id: "reservation:o-1", pk: orderPartition("o-1"), kind: "reservation", orderId: "o-1", status: "CancelledBeforeReservation", items: [], updatedAt: "t" } },
          ]);
        }
        return state;
      },
      decide(event, state, context) {
        decided.push(state.reservation?.status);
        return reserveStockWhenOrderPlaced.decide(event, state, context);
      },
    };
    const result = await runReaction(racing, placed(), { store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, backoff: async () => undefined });
    expect(result.outcome).toBe("nothingToDo");
    expect(decided).toEqual([undefined, "CancelledBeforeReservation"]);
    // The first attempt held a unit; the second, seeing the order decided without it, gave it back.
    expect(await store.readDocument("stock:A", stockPartition("A"))).toMatchObject({ available: 2, reserved: 0 });
  });
});

describe("runReaction: a first delivery skips the read that would miss, a redelivery still dedupes", () => {
  it("reserves without reading the order's reservation, and a redelivery reserves nothing more", async () => {
    const store = createInMemoryStore([stockA(2)]);
    const reads = jest.spyOn(store, "readDocument");
    const deps = { store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, backoff: async () => undefined };
    const event = placed();
    expect((await runReaction(reserveStockWhenOrderPlaced, event, deps)).outcome).toBe("handled");
    expect(reads.mock.calls.map(([id]) => id)).toEqual(["stock:A"]);
    expect((await runReaction(reserveStockWhenOrderPlaced, structuredClone(event), deps)).outcome).toBe("duplicate");
    expect(await store.readDocument("stock:A", stockPartition("A"))).toMatchObject({ available: 1, reserved: 1 });
  });

  it("a reservation written first by a cancellation makes the first attempt conflict; the next one reads it and reserves nothing", async () => {
    const event = placed();
    const store = createInMemoryStore([
      stockA(2),
      { id: "reservation:o-1", pk: orderPartition("o-1"), kind: "reservation", orderId: "o-1", status: "CancelledBeforeReservation", items: [], updatedAt: "t" },
    ]);
    const deps = { store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, backoff: async () => undefined };
    await runReaction(reserveStockWhenOrderPlaced, event, deps);
    expect(await store.readDocument("stock:A", stockPartition("A"))).toMatchObject({ available: 2, reserved: 0 });
  });

  describe("an ownLatest hint: the version this process committed last", () => {
    it("answers a first attempt from memory with the committed ETag, and a later attempt with a read", async () => {
      const store = createInMemoryStore([stockA(5)]);
      const recentWrites = createRecentWrites();
      const first = openSession(store, { firstAttempt: true, recentWrites, readHints: ownLatest });
      const read = await first.read(stockDocumentSchema, "stock:A", stockPartition("A"));
      const writes = first.writesFor([{ put: { ...read!, available: 4 } }]);
      first.committed(writes, await store.commit(stockPartition("A"), writes));

      const reads: string[] = [];
      const counting = { ...store, readDocument: (id: string, pk: string) => (reads.push(id), store.readDocument(id, pk)) } as typeof store;
      const again = openSession(counting, { firstAttempt: true, recentWrites, readHints: ownLatest });
      expect(await again.read(stockDocumentSchema, "stock:A", stockPartition("A"))).toMatchObject({ available: 4 });
      expect(reads).toEqual([]);
      expect(again.writesFor([{ put: stockA(3) }])).toEqual([
        { op: "replace", ifMatch: (await store.readDocument("stock:A", stockPartition("A")))?._etag, document: stockA(3) },
      ]);
      await again.read(stockDocumentSchema, "stock:A", stockPartition("A"));
      const retry = openSession(counting, { firstAttempt: false, recentWrites, readHints: ownLatest });
      await retry.read(stockDocumentSchema, "stock:A", stockPartition("A"));
      expect(reads).toEqual(["stock:A"]);
    });

    it("forgets what a conflicting commit shows to be stale, and reads without a memory", async () => {
      const store = createInMemoryStore([stockA(5)]);
      const recentWrites = createRecentWrites();
      const session = openSession(store, { firstAttempt: true, recentWrites, readHints: ownLatest });
      await session.read(stockDocumentSchema, "stock:A", stockPartition("A"));
      const writes = session.writesFor([{ put: stockA(4) }]);
      session.committed(writes, await store.commit(stockPartition("A"), writes));
      expect(recentWrites.get(`${stockPartition("A")}\u0000stock:A`)).toBeDefined();
      session.conflicted();
      expect(recentWrites.get(`${stockPartition("A")}\u0000stock:A`)).toBeUndefined();
      const plain = openSession(store, { firstAttempt: true, readHints: ownLatest });
      expect(await plain.read(stockDocumentSchema, "stock:A", stockPartition("A"))).toMatchObject({ available: 4 });
    });

    it("keeps at most its capacity, least recently used out first", () => {
      const recent = createRecentWrites(2);
      const entry = (n: number) => ({ document: stockA(n), etag: `"${n}"` });
      recent.set("a", entry(1));
      recent.set("b", entry(2));
      recent.get("a");
      recent.set("c", entry(3));
      expect([recent.get("a"), recent.get("b"), recent.get("c")].map((e) => e?.etag)).toEqual(['"1"', undefined, '"3"']);
    });
  });
});
