import { ConcurrencyConflictError } from "#src/platform/errors";
import { runReaction } from "#src/platform/reactions";
import { sendInvoiceWhenPaymentConfirmed } from "#src/services/invoicing/sendInvoiceWhenPaymentConfirmed";
import { reserveStockWhenOrderPlaced } from "#src/services/inventory/reserveStockWhenOrderPlaced";
import { stockPartition } from "#src/services/inventory/documents";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

const confirmed = () =>
  anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch", amount: 30, currency: "EUR" }, {
    traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
  });

const deps = (store = createInMemoryStore(), publisher = recordingPublisher()) => ({
  store, publisher, ports: {}, clock: () => fixedNow, backoff: async () => undefined,
});

describe("runReaction: the consistency machinery around a pure decision", () => {
  it("commits state and the delivery's record, which carries the event, in one batch, then publishes the event caused by the input", async () => {
    const d = deps();
    const event = confirmed();
    const result = await runReaction(sendInvoiceWhenPaymentConfirmed, event, d);
    expect(result.outcome).toBe("handled");
    expect(d.store.commits.map((c) => c.writes.map((w) => (w.op === "delete" ? w.id : `${w.op}:${w.document.kind}`)))).toEqual([
      ["create:invoice", "create:inbox"],
    ]);
    const record = d.store.all().find((x) => x.kind === "inbox");
    expect(record?.id).toBe(`inbox:sendInvoiceWhenPaymentConfirmed:${event.id}`);
    // Nothing its id or Cosmos's `_ts` already says: a record carrying an event stays under the 1 KB a write is charged by.
    expect(Object.keys(record ?? {}).sort()).toEqual(["_etag", "events", "id", "kind", "pk", "ttl"]);
    expect(record?.["events"]).toEqual(d.publisher.published);
    expect(d.publisher.published).toHaveLength(1);
    expect(d.publisher.published[0]).toMatchObject({
      type: "Invoicing.InvoiceSent.v1",
      source: "/services/invoicing",
      correlationid: event.correlationid,
      causationid: event.id,
      traceparent: expect.stringMatching(/^00-0123456789abcdef0123456789abcdef-[0-9a-f]{16}-01$/),
    });
    // One commit, no mark-sent write: until the event is published the delivery is not acknowledged, and Event Grid's
    // redelivery publishes what the record carries.
    expect(d.store.all().filter((x) => x.kind === "outbox")).toEqual([]);
  });

  it("handles a redelivery as a duplicate: no second invoice, the recorded event published again under its id", async () => {
    const d = deps();
    const event = confirmed();
    await runReaction(sendInvoiceWhenPaymentConfirmed, event, d);
    const commits = d.store.commits.length;
    const second = await runReaction(sendInvoiceWhenPaymentConfirmed, structuredClone(event), d);
    expect(second).toEqual({ outcome: "duplicate", republished: 1 });
    // The same event again (consumers dedupe by its id), nothing written.
    expect(d.publisher.published.map((e) => e.id)).toEqual([d.publisher.published[0]?.id, d.publisher.published[0]?.id]);
    expect(d.publisher.published[1]).toEqual(d.publisher.published[0]);
    expect(d.store.commits).toHaveLength(commits);
    expect(d.store.all().filter((x) => x.kind === "invoice")).toHaveLength(1);
  });

  it("reads no inbox record on a first delivery: the batch's create of it is what catches a duplicate", async () => {
    const d = deps();
    const reads: string[] = [];
    const readDocument = d.store.readDocument.bind(d.store);
    d.store.readDocument = async (id: string, pk: string) => {
      reads.push(id);
      return readDocument(id, pk);
    };
    const event = confirmed();
    await runReaction(sendInvoiceWhenPaymentConfirmed, event, d);
    expect(reads.filter((id) => id.startsWith("inbox:"))).toEqual([]);
    await runReaction(sendInvoiceWhenPaymentConfirmed, structuredClone(event), d);
    expect(reads.filter((id) => id.startsWith("inbox:"))).toHaveLength(1);
  });

  it("publishes on redelivery what a failed publish left in the delivery's record, with the same event id", async () => {
    const d = deps();
    d.publisher.failNext = 1;
    const event = confirmed();
    await expect(runReaction(sendInvoiceWhenPaymentConfirmed, event, d)).rejects.toThrow("Event Grid unavailable");
    expect(d.publisher.published).toHaveLength(0);
    const again = await runReaction(sendInvoiceWhenPaymentConfirmed, event, d);
    expect(again).toEqual({ outcome: "duplicate", republished: 1 });
    expect(d.publisher.published).toHaveLength(1);
    const [stored] = d.store.all().filter((x) => x.kind === "inbox");
    expect(stored).toMatchObject({ events: [{ id: d.publisher.published[0]?.id }] });
  });

  it("refuses a redelivery by its record even when the redelivery would decide differently", async () => {
    const d = deps();
    const event = confirmed();
    // The first delivery publishes; a redelivery, reading its invoice, would decide nothing: the record's create refuses it.
    await runReaction(sendInvoiceWhenPaymentConfirmed, event, d);
    const commitsBefore = d.store.commits.length;
    await expect(runReaction(sendInvoiceWhenPaymentConfirmed, structuredClone(event), d)).resolves.toEqual({ outcome: "duplicate", republished: 1 });
    expect(d.store.commits).toHaveLength(commitsBefore);
    expect(d.store.all().filter((x) => x.kind === "inbox")).toHaveLength(1);
  });

  it("parks a schema-invalid event as poison and reports success, so Event Grid does not retry it", async () => {
    const d = deps();
    const bad = { ...confirmed(), data: { orderId: "o-1", amount: "thirty" } };
    const result = await runReaction(sendInvoiceWhenPaymentConfirmed, bad, d);
    expect(result).toMatchObject({ outcome: "poisoned", reason: expect.stringMatching(/amount/) });
    expect(d.store.all()).toEqual([expect.objectContaining({ kind: "poison", pk: "poison", event: bad, reason: expect.stringMatching(/customerId/) })]);
    expect(d.publisher.published).toHaveLength(0);
  });

  it("parks an event of a type the reaction does not handle, and one that is not a CloudEvent at all", async () => {
    const d = deps();
    await runReaction(sendInvoiceWhenPaymentConfirmed, anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }), d);
    await runReaction(sendInvoiceWhenPaymentConfirmed, "hello", d);
    expect(d.store.all().map((x) => x.kind)).toEqual(["poison", "poison"]);
  });

  it("re-reads and decides again when it loses an optimistic-concurrency race", async () => {
    const store = createInMemoryStore([
      { id: "stock:A", pk: stockPartition("A"), kind: "stock", sku: "A", available: 1, reserved: 0 },
    ]);
    store.failNextCommitWith = new ConcurrencyConflictError("412");
    const d = deps(store);
    const placed = anEvent("Orders.OrderPlaced.v2", {
      orderId: "o-1", customerId: "c", currency: "EUR", total: 1, paymentMethodId: A_PAYMENT_METHOD_ID, items: [{ sku: "A", quantity: 1, unitPrice: 1 }],
    });
    const result = await runReaction(reserveStockWhenOrderPlaced, placed, d);
    expect(result.outcome).toBe("handled");
    expect(await store.readDocument("stock:A", stockPartition("A"))).toMatchObject({ available: 0, reserved: 1 });
  });

  it("gives up after 25 lost races, waiting between attempts only, and leaves the delivery to Event Grid's retry", async () => {
    const store = createInMemoryStore();
    store.commit = async () => {
      throw new ConcurrencyConflictError("412");
    };
    const waits: number[] = [];
    const d = { ...deps(store), backoff: async (failedAttempts: number) => void waits.push(failedAttempts) };
    await expect(runReaction(sendInvoiceWhenPaymentConfirmed, confirmed(), d)).rejects.toThrow("gave up on");
    // 25 attempts, 24 waits between them: none after the last.
    expect(waits).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it("lets any other failure escape, so the delivery is retried", async () => {
    const store = createInMemoryStore();
    store.failNextCommitWith = new Error("Cosmos unavailable");
    await expect(runReaction(sendInvoiceWhenPaymentConfirmed, confirmed(), deps(store))).rejects.toThrow("Cosmos unavailable");
  });
});
