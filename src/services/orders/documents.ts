import { Currency } from "../../events/money";
import { OrderItem } from "../../events/orders";
import { StoredDocument } from "../../platform/store";

export type OrderStatus = "Pending" | "Confirmed" | "Cancelled";
/**
 * What the order knows of stock and payment. `NotReserved` / `NotCharged`: the order was cancelled before that service
 * acted, so it never will (distinct from `Rejected` — out of stock — and `Declined` — the card was refused).
 */
export type InventoryStatus = "Pending" | "Reserved" | "Rejected" | "NotReserved" | "Released";
export type PaymentStatus = "Pending" | "Charged" | "Declined" | "NotCharged" | "Refunded";
export type InvoiceView = { readonly invoiceId: string; readonly status: "Sent" | "Voided"; readonly total: number };

/** The order and what the other services reported about it; one per order, in its own partition. */
export interface OrderDocument extends StoredDocument {
  readonly kind: "order";
  readonly orderId: string;
  readonly correlationId: string;
  readonly customerId: string;
  readonly items: readonly OrderItem[];
  readonly currency: Currency;
  readonly total: number;
  readonly status: OrderStatus;
  readonly reason?: string;
  readonly inventory: InventoryStatus;
  readonly payment: PaymentStatus;
  readonly invoice: InvoiceView | null;
  /** Hash of the request that created it, to tell a retried request from a different one under the same key. */
  readonly requestHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const orderDocumentId = (orderId: string): string => `order:${orderId}`;

/** What GET /api/orders/{orderId} returns. */
export const orderView = (order: OrderDocument) => ({
  orderId: order.orderId,
  correlationId: order.correlationId,
  status: order.status,
  ...(order.reason ? { reason: order.reason } : {}),
  customerId: order.customerId,
  items: order.items,
  currency: order.currency,
  total: order.total,
  inventory: order.inventory,
  payment: order.payment,
  invoice: order.invoice,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
});
