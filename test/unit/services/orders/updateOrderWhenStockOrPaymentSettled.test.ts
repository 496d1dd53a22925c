import { OrderDocument } from "#src/services/orders/documents";
import { settleOrder } from "#src/services/orders/updateOrderWhenStockOrPaymentSettled";
import { anEvent, decisionContext } from "../../../support/events";
import { checkIdempotentOnState } from "../../../support/idempotence";

const pending = (overrides: Partial<OrderDocument> = {}): OrderDocument => ({
  id: "order:o-1", pk: "o-1", kind: "order", orderId: "o-1", correlationId: "flow-1", customerId: "c-1",
  items: [{ sku: "A", quantity: 1, unitPrice: 10 }], currency: "EUR", total: 10, status: "Pending",
  inventory: "Pending", payment: "Pending", invoice: null, requestHash: "h", createdAt: "t", updatedAt: "t", ...overrides,
});
const reserved = anEvent("Inventory.StockReserved.v1", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] });
const charged = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch", amount: 10, currency: "EUR" });
const declined = anEvent("Payments.PaymentFailed.v1", { orderId: "o-1", reason: "Payment declined: card_declined" });
const outOfStock = anEvent("Inventory.StockReservationFailed.v1", { orderId: "o-1", reason: "Insufficient stock for A", shortages: [] });
const released = anEvent("Inventory.StockReleased.v1", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] });

describe("orders: settle the order from what the other services report", () => {
  it("given payment charged, when stock is reserved, then the order is confirmed and OrderConfirmed published", () => {
    const decision = settleOrder(reserved, pending({ payment: "Charged" }), decisionContext());
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Confirmed", inventory: "Reserved" }) }]);
    expect(decision.publish).toEqual([{ type: "Orders.OrderConfirmed.v1", subject: "orders/o-1", data: { orderId: "o-1" } }]);
  });

  it("given stock reserved, when payment is confirmed, then the order is confirmed: the two settle in either order", () => {
    const decision = settleOrder(charged, pending({ inventory: "Reserved" }), decisionContext());
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Confirmed", payment: "Charged", inventory: "Reserved" }) }]);
    expect(decision.publish).toEqual([{ type: "Orders.OrderConfirmed.v1", subject: "orders/o-1", data: { orderId: "o-1" } }]);
  });

  it("given nothing yet, when stock is reserved, then it only records the reservation", () => {
    const decision = settleOrder(reserved, pending(), decisionContext());
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Pending", inventory: "Reserved" }) }]);
    expect(decision.publish).toEqual([]);
  });

  it("when payment is declined, then the order is cancelled with the reason, whatever stock says", () => {
    const decision = settleOrder(declined, pending({ inventory: "Reserved" }), decisionContext());
    expect(decision.changes[0]).toMatchObject({ put: { status: "Cancelled", reason: "Payment declined: card_declined" } });
    expect(decision.publish).toEqual([{ type: "Orders.OrderCancelled.v1", subject: "orders/o-1", data: { orderId: "o-1", reason: "Payment declined: card_declined" } }]);
  });

  it("when stock is short after payment was charged, then the order is cancelled (payments will refund)", () => {
    const decision = settleOrder(outOfStock, pending({ payment: "Charged" }), decisionContext());
    expect(decision.publish.map((e) => e.type)).toEqual(["Orders.OrderCancelled.v1"]);
  });

  it("given a cancelled order, a late StockReserved is recorded but never confirms it", () => {
    const decision = settleOrder(reserved, pending({ status: "Cancelled", payment: "Declined", reason: "x" }), decisionContext());
    expect(decision.changes[0]).toMatchObject({ put: { status: "Cancelled", inventory: "Reserved" } });
    expect(decision.publish).toEqual([]);
  });

  it("given stock already released, a late StockReserved does not move it back", () => {
    expect(settleOrder(reserved, pending({ status: "Cancelled", inventory: "Released" }), decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given the same report twice, writes nothing the second time", () => {
    expect(settleOrder(released, pending({ inventory: "Released" }), decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given a cancelled order, 'not charged because already cancelled' settles payment as NotCharged, keeping the reason", () => {
    const notCharged = anEvent("Payments.PaymentFailed.v1", { orderId: "o-1", reason: "Not charged", code: "OrderAlreadyCancelled" });
    const decision = settleOrder(notCharged, pending({ status: "Cancelled", inventory: "Rejected", reason: "Insufficient stock for A" }), decisionContext());
    expect(decision.changes[0]).toMatchObject({ put: { status: "Cancelled", payment: "NotCharged", reason: "Insufficient stock for A" } });
    expect(decision.publish).toEqual([]);
  });

  it("given a cancelled order, 'not reserved because already cancelled' settles inventory as NotReserved; a later refund still wins", () => {
    const notReserved = anEvent("Inventory.StockReservationFailed.v1", { orderId: "o-1", reason: "Not reserved", code: "OrderAlreadyCancelled", shortages: [] });
    const decision = settleOrder(notReserved, pending({ status: "Cancelled", payment: "Declined", reason: "x" }), decisionContext());
    expect(decision.changes[0]).toMatchObject({ put: { inventory: "NotReserved" } });
    const refunded = anEvent("Payments.PaymentRefunded.v1", { orderId: "o-1", chargeId: "ch", refundId: "re", amount: 10, currency: "EUR" });
    expect(settleOrder(refunded, pending({ status: "Cancelled", payment: "NotCharged" }), decisionContext()).changes[0]).toMatchObject({ put: { payment: "Refunded" } });
  });

  // The reaction dedupes by this (`dedupe: "idempotentState"`): it writes no inbox record for a settlement that
  // publishes nothing, so taking any event in again, after any others, must decide nothing to do.
  it("is idempotent on the order: any settlement taken in again, after any others in any order, decides nothing", () => {
    const all = [
      reserved, charged, declined, outOfStock, released,
      anEvent("Inventory.StockReservationFailed.v1", { orderId: "o-1", reason: "Not reserved", code: "OrderAlreadyCancelled", shortages: [] }),
      anEvent("Payments.PaymentFailed.v1", { orderId: "o-1", reason: "Not charged", code: "OrderAlreadyCancelled" }),
      anEvent("Payments.PaymentRefunded.v1", { orderId: "o-1", chargeId: "ch", refundId: "re", amount: 10, currency: "EUR" }),
      anEvent("Invoicing.InvoiceSent.v1", { orderId: "o-1", invoiceId: "inv-1", customerId: "c-1", total: 10, currency: "EUR" }),
      anEvent("Invoicing.InvoiceVoided.v1", { orderId: "o-1", invoiceId: "inv-1", reason: "Order cancelled" }),
    ];
    const published = checkIdempotentOnState({ decide: settleOrder, initial: () => pending(), events: all, runs: 500, seed: 7 });
    expect(published).toBeGreaterThan(100);
  });
});
