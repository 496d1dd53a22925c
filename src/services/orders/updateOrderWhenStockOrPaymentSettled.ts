import { ReactionEvent, defineReaction } from "../../define";
import { TransientError } from "../../platform/errors";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { NewEvent } from "../../platform/publishing";
import { InventoryStatus, OrderDocument, PaymentStatus, orderDocumentId, orderDocumentSchema } from "./documents";

type Settlement = ReactionEvent<"orders", "updateOrderWhenStockOrPaymentSettled">;

// Events arrive in any order; a status only moves forward, so a late StockReserved never undoes a Released.
const inventoryRank: Record<InventoryStatus, number> = { Pending: 0, Reserved: 1, Rejected: 1, NotReserved: 1, Released: 2 };
const paymentRank: Record<PaymentStatus, number> = { Pending: 0, Charged: 1, Declined: 1, NotCharged: 1, Refunded: 2 };

const forward = <S extends string>(rank: Record<S, number>, current: S, next: S): S => (rank[next] > rank[current] ? next : current);

/** Applies one settlement to the order's view of the other services. */
export const applySettlement = (order: OrderDocument, event: Settlement): OrderDocument => {
  switch (event.type) {
    case "Inventory.StockReserved.v1":
      return { ...order, inventory: forward(inventoryRank, order.inventory, "Reserved") };
    case "Inventory.StockReservationFailed.v1":
      if (event.data.code === "OrderAlreadyCancelled") return { ...order, inventory: forward(inventoryRank, order.inventory, "NotReserved") };
      return { ...order, inventory: forward(inventoryRank, order.inventory, "Rejected"), reason: order.reason ?? event.data.reason };
    case "Inventory.StockReleased.v1":
      return { ...order, inventory: forward(inventoryRank, order.inventory, "Released") };
    case "Payments.PaymentConfirmed.v1":
      return { ...order, payment: forward(paymentRank, order.payment, "Charged") };
    case "Payments.PaymentFailed.v1":
      if (event.data.code === "OrderAlreadyCancelled") return { ...order, payment: forward(paymentRank, order.payment, "NotCharged") };
      return { ...order, payment: forward(paymentRank, order.payment, "Declined"), reason: order.reason ?? event.data.reason };
    case "Payments.PaymentRefunded.v1":
      return { ...order, payment: forward(paymentRank, order.payment, "Refunded") };
    case "Invoicing.InvoiceSent.v1":
      return order.invoice?.status === "Voided"
        ? order
        : { ...order, invoice: { invoiceId: event.data.invoiceId, status: "Sent", total: event.data.total } };
    case "Invoicing.InvoiceVoided.v1":
      return { ...order, invoice: { invoiceId: event.data.invoiceId, status: "Voided", total: order.invoice?.total ?? order.total } };
    default: {
      const never: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(never)}`);
    }
  }
};

/** Confirmed when stock is reserved and payment charged; cancelled as soon as either fails. Never both. */
export const settleOrder = (event: Settlement, order: OrderDocument, context: DecisionContext): Decision => {
  const applied = applySettlement(order, event);
  let next: OrderDocument = applied;
  const publish: NewEvent[] = [];
  if (order.status === "Pending") {
    if (applied.inventory === "Rejected" || applied.payment === "Declined") {
      next = { ...applied, status: "Cancelled", reason: applied.reason ?? "Cancelled" };
      publish.push({ type: "Orders.OrderCancelled.v1", subject: `orders/${order.orderId}`, data: { orderId: order.orderId, reason: next.reason ?? "Cancelled" } });
    } else if (applied.inventory === "Reserved" && applied.payment === "Charged") {
      next = { ...applied, status: "Confirmed" };
      publish.push({ type: "Orders.OrderConfirmed.v1", subject: `orders/${order.orderId}`, data: { orderId: order.orderId } });
    }
  }
  if (JSON.stringify(next) === JSON.stringify(order)) return nothingToDo;
  return {
    changes: [{ put: { ...next, updatedAt: context.now.toISOString() } }],
    publish,
  };
};

export const updateOrderWhenStockOrPaymentSettled = defineReaction("orders", "updateOrderWhenStockOrPaymentSettled", {
  partitionKey: (event) => event.data.orderId,
  async load(event, { read }) {
    const order = await read(orderDocumentSchema, orderDocumentId(event.data.orderId), event.data.orderId);
    // The order is committed before OrderPlaced is published, so this only happens for an event about an order
    // of another deployment; retrying lets Event Grid dead-letter it after its retry budget.
    if (!order) throw new TransientError(`Order ${event.data.orderId} not found for ${event.type}`);
    return order;
  },
  decide: settleOrder,
  tuning: {
    // Settlements only move the order forward and confirm or cancel it once (see settleOrder's idempotence test), so
    // only the one that publishes needs an inbox record.
    dedupe: "idempotentState",
    // Stock and payment settle at about the same time: in turn, the second takes the order from memory, no conflict.
    oneAtATimePerPartition: true,
    // From this process's memory when it committed the order last (placed it, or settled it): an older version makes
    // the commit conflict, or decides nothing for an event it has taken in already, which the newer one has too.
    readHints: [[orderDocumentSchema, "ownLatest"]],
  },
});
