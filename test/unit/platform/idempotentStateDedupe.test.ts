import { defineReaction } from "#src/define";
import { createRecentWrites, rememberCommitted, runReaction } from "#src/platform/reactions";
import { OrderDocument } from "#src/services/orders/documents";
import { updateOrderWhenStockOrPaymentSettled } from "#src/services/orders/updateOrderWhenStockOrPaymentSettled";
import { anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

// The order's settlements dedupe by their state (`dedupe: "idempotentState"`): only a delivery that publishes commits an
// inbox record, to carry its events for a redelivery; the others commit the order alone.

const order = (overrides: Partial<OrderDocument> = {}): OrderDocument => ({
  id: "order:o-1", pk: "o-1", kind: "order", orderId: "o-1", correlationId: "flow-1", customerId: "c-1",
  items: [{ sku: "A", quantity: 1, unitPrice: 10 }], currency: "EUR", total: 10, status: "Pending",
  inventory: "Pending", payment: "Pending", invoice: null, requestHash: "h", createdAt: "t", updatedAt: "t", ...overrides,
});
const reserved = () => anEvent("Inventory.StockReserved.v1", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] });
const charged = () => anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch", amount: 10, currency: "EUR" });

const setup = (initial = order()) => {
  const store = createInMemoryStore([initial]);
  const publisher = recordingPublisher();
  const reads: string[] = [];
  const readDocument = store.readDocument.bind(store);
  store.readDocument = async (id: string, pk: string) => {
    reads.push(id);
    return readDocument(id, pk);
  };
  return { store, publisher, reads, ports: {}, clock: () => fixedNow, backoff: async () => undefined };
};
const writesOf = (d: ReturnType<typeof setup>) => d.store.commits.map((c) => c.writes.map((w) => (w.op === "delete" ? w.id : `${w.op}:${w.document.kind}`)));
const stored = async (d: ReturnType<typeof setup>) => (await d.store.readDocument("order:o-1", "o-1")) as unknown as OrderDocument;

describe("idempotentState dedupe: a reaction whose decision is idempotent on its state needs a record only when it publishes", () => {
  it("commits a settlement that publishes nothing as the order alone: no inbox record", async () => {
    const d = setup();
    await expect(runReaction(updateOrderWhenStockOrPaymentSettled, reserved(), d)).resolves.toEqual({ outcome: "handled", published: [] });
    expect(writesOf(d)).toEqual([["replace:order"]]);
    expect((await stored(d)).inventory).toBe("Reserved");
  });

  it("commits the settlement that confirms with a record carrying OrderConfirmed, in one batch", async () => {
    const d = setup(order({ inventory: "Reserved" }));
    const event = charged();
    const result = await runReaction(updateOrderWhenStockOrPaymentSettled, event, d);
    expect(result.outcome).toBe("handled");
    expect(writesOf(d)).toEqual([["replace:order", "create:inbox"]]);
    const record = d.store.all().find((x) => x.kind === "inbox");
    expect(record).toMatchObject({ id: `inbox:updateOrderWhenStockOrPaymentSettled:${event.id}`, events: [{ type: "Orders.OrderConfirmed.v1" }] });
    expect(d.publisher.published.map((e) => e.type)).toEqual(["Orders.OrderConfirmed.v1"]);
  });

  it("a duplicate of a settlement that published nothing writes nothing, publishes nothing, and says it had nothing to do", async () => {
    const d = setup();
    const event = reserved();
    await runReaction(updateOrderWhenStockOrPaymentSettled, event, d);
    const commits = d.store.commits.length;
    await expect(runReaction(updateOrderWhenStockOrPaymentSettled, structuredClone(event), d)).resolves.toEqual({ outcome: "nothingToDo" });
    expect(d.store.commits).toHaveLength(commits);
    expect(d.publisher.published).toEqual([]);
  });

  it("a crash between the commit and the publish: the redelivery, which decides nothing now, publishes what the record carries, same id", async () => {
    const d = setup(order({ inventory: "Reserved" }));
    d.publisher.failNext = 1;
    const event = charged();
    await expect(runReaction(updateOrderWhenStockOrPaymentSettled, event, d)).rejects.toThrow("Event Grid unavailable");
    expect((await stored(d)).status).toBe("Confirmed");
    expect(d.publisher.published).toEqual([]);
    const again = await runReaction(updateOrderWhenStockOrPaymentSettled, structuredClone(event), d);
    expect(again).toEqual({ outcome: "duplicate", republished: 1 });
    const [record] = d.store.all().filter((x) => x.kind === "inbox");
    expect(d.publisher.published.map((e) => e.id)).toEqual([(record?.["events"] as { id: string }[])[0]?.id]);
  });

  it("two deliveries of the same confirming event at once: one commits, the other re-reads, decides nothing and re-publishes the same event", async () => {
    const d = setup(order({ inventory: "Reserved" }));
    const event = charged();
    await Promise.all([runReaction(updateOrderWhenStockOrPaymentSettled, event, d), runReaction(updateOrderWhenStockOrPaymentSettled, structuredClone(event), d)]);
    expect(d.store.all().filter((x) => x.kind === "inbox")).toHaveLength(1);
    expect(d.publisher.distinct().map((e) => e.type)).toEqual(["Orders.OrderConfirmed.v1"]);
  });

  it("a redelivery of an event handled when every settlement wrote an inbox record publishes what that record carries", async () => {
    const event = charged();
    const confirmedEvent = { ...anEvent("Orders.OrderConfirmed.v1", { orderId: "o-1" }), id: "confirmed-1" };
    const d = setup(order({ inventory: "Reserved", payment: "Charged", status: "Confirmed" }));
    await d.store.commit("o-1", [{ op: "create", document: { id: `inbox:updateOrderWhenStockOrPaymentSettled:${event.id}`, pk: "o-1", kind: "inbox", events: [confirmedEvent] } }]);
    await expect(runReaction(updateOrderWhenStockOrPaymentSettled, event, d)).resolves.toEqual({ outcome: "duplicate", republished: 1 });
    expect(d.publisher.published.map((e) => e.id)).toEqual(["confirmed-1"]);
  });

  it("reads no inbox record on a delivery that changes the order", async () => {
    const d = setup();
    await runReaction(updateOrderWhenStockOrPaymentSettled, reserved(), d);
    await runReaction(updateOrderWhenStockOrPaymentSettled, charged(), d);
    expect(d.reads.filter((id) => id.startsWith("inbox:"))).toEqual([]);
  });

  it("refuses a decision that publishes without changing its state: a redelivery could not tell it was handled", async () => {
    const d = setup();
    const publishesOnly = defineReaction("orders", "updateOrderWhenStockOrPaymentSettled", {
      partitionKey: updateOrderWhenStockOrPaymentSettled.partitionKey,
      load: async () => undefined,
      decide: () => ({ changes: [], publish: [{ type: "Orders.OrderConfirmed.v1", data: { orderId: "o-1" } }] }),
      tuning: updateOrderWhenStockOrPaymentSettled.tuning,
    });
    await expect(runReaction(publishesOnly, reserved(), d)).rejects.toThrow(/publishes without changing its state/);
    expect(d.publisher.published).toEqual([]);
  });

  it("takes the order from the process's memory of its last commit, and reads it when that memory is stale", async () => {
    const d = setup();
    const recentWrites = createRecentWrites();
    const placed = await d.store.readDocument("order:o-1", "o-1");
    rememberCommitted(recentWrites, placed!, placed!._etag);
    d.reads.length = 0;
    await runReaction(updateOrderWhenStockOrPaymentSettled, reserved(), { ...d, recentWrites });
    expect(d.reads.filter((id) => id === "order:o-1")).toEqual([]);
    // Another instance settles the payment: this process's memory is now one version behind.
    const current = (await d.store.readDocument("order:o-1", "o-1"))!;
    await d.store.commit("o-1", [{ op: "replace", document: { ...current, payment: "Charged" }, ifMatch: current._etag }]);
    d.reads.length = 0;
    const invoice = anEvent("Invoicing.InvoiceSent.v1", { orderId: "o-1", invoiceId: "inv-1", customerId: "c-1", total: 10, currency: "EUR" });
    await runReaction(updateOrderWhenStockOrPaymentSettled, invoice, { ...d, recentWrites });
    expect(d.reads.filter((id) => id === "order:o-1")).toHaveLength(1);
    expect(await stored(d)).toMatchObject({ inventory: "Reserved", payment: "Charged", invoice: { status: "Sent" } });
  });

  it("a stale memory that has taken the event in already decides nothing, as the newer order would", async () => {
    const d = setup();
    const recentWrites = createRecentWrites();
    const event = reserved();
    await runReaction(updateOrderWhenStockOrPaymentSettled, event, { ...d, recentWrites });
    const current = (await d.store.readDocument("order:o-1", "o-1"))!;
    await d.store.commit("o-1", [{ op: "replace", document: { ...current, payment: "Charged", status: "Confirmed" }, ifMatch: current._etag }]);
    await expect(runReaction(updateOrderWhenStockOrPaymentSettled, structuredClone(event), { ...d, recentWrites })).resolves.toEqual({ outcome: "nothingToDo" });
    expect(await stored(d)).toMatchObject({ inventory: "Reserved", payment: "Charged", status: "Confirmed" });
  });
});
