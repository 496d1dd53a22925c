import { z } from "zod";
import { currencySchema } from "../../events/money";
import { orderItemSchema } from "../../events/orders";
import { documentSchema } from "../../platform/documentSchema";

export const orderStatusSchema = z.enum(["Pending", "Confirmed", "Cancelled"]);
export type OrderStatus = z.infer<typeof orderStatusSchema>;
/**
 * What the order knows of stock and payment. `NotReserved` / `NotCharged`: the order was cancelled before that service
 * acted, so it never will (distinct from `Rejected` — out of stock — and `Declined` — the card was refused).
 */
export const inventoryStatusSchema = z.enum(["Pending", "Reserved", "Rejected", "NotReserved", "Released"]);
export type InventoryStatus = z.infer<typeof inventoryStatusSchema>;
export const paymentStatusSchema = z.enum(["Pending", "Charged", "Declined", "NotCharged", "Refunded"]);
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;
export const invoiceViewSchema = z.object({ invoiceId: z.string(), status: z.enum(["Sent", "Voided"]), total: z.number() });
export type InvoiceView = z.infer<typeof invoiceViewSchema>;

/** The order and what the other services reported about it; one per order, in its own partition. */
export const orderDocumentSchema = documentSchema("order", {
  orderId: z.string(),
  correlationId: z.string(),
  customerId: z.string(),
  items: z.array(orderItemSchema).readonly(),
  currency: currencySchema,
  total: z.number(),
  status: orderStatusSchema,
  reason: z.string().optional(),
  inventory: inventoryStatusSchema,
  payment: paymentStatusSchema,
  invoice: invoiceViewSchema.nullable(),
  /** Hash of the request that created it, to tell a retried request from a different one under the same key. */
  requestHash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderDocument = z.infer<typeof orderDocumentSchema>;

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
