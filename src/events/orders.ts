import { z } from "zod";
import { amountSchema, currencySchema } from "./money";
import { paymentMethodIdSchema } from "./tokenReferences";

const id = z.string().min(1).max(100);

export const orderItemSchema = z.object({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(10_000),
  unitPrice: amountSchema.refine((n) => n >= 0, "must be ≥ 0"),
});
export type OrderItem = z.infer<typeof orderItemSchema>;

/** v2: the card is a reference payments keeps (`paymentMethodId`), no longer the card token itself (v1's `paymentToken`). */
export const orderPlacedV2 = z.object({
  orderId: id,
  customerId: id,
  items: z.array(orderItemSchema).min(1).max(100),
  currency: currencySchema,
  total: amountSchema,
  paymentMethodId: paymentMethodIdSchema,
});

export const stockReservedV1 = z.object({
  orderId: id,
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int().min(1) })),
});
/** Why a reservation or charge did not happen; absent on events published before the field existed. */
export const stockNotReservedCodes = ["InsufficientStock", "OrderAlreadyCancelled"] as const;
export const paymentNotChargedCodes = ["Declined", "OrderAlreadyCancelled"] as const;

export const stockReservationFailedV1 = z.object({
  orderId: id,
  reason: z.string(),
  /** `OrderAlreadyCancelled`: the cancellation arrived first, so nothing was (or ever will be) reserved. */
  code: z.enum(stockNotReservedCodes).optional(),
  shortages: z.array(z.object({ sku: z.string(), requested: z.number().int(), available: z.number().int() })),
});
export const stockReleasedV1 = z.object({
  orderId: id,
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int().min(1) })),
});

export const paymentConfirmedV1 = z.object({
  orderId: id,
  customerId: id,
  chargeId: z.string(),
  amount: amountSchema,
  currency: currencySchema,
});
export const paymentFailedV1 = z.object({
  orderId: id,
  reason: z.string(),
  /** `OrderAlreadyCancelled`: the cancellation arrived first, so the customer was not (and will not be) charged. */
  code: z.enum(paymentNotChargedCodes).optional(),
});
export const paymentRefundedV1 = z.object({
  orderId: id,
  chargeId: z.string(),
  refundId: z.string(),
  amount: amountSchema,
  currency: currencySchema,
});

export const invoiceSentV1 = z.object({
  orderId: id,
  invoiceId: z.string(),
  customerId: id,
  total: amountSchema,
  currency: currencySchema,
});
export const invoiceVoidedV1 = z.object({ orderId: id, invoiceId: z.string(), reason: z.string() });

export const orderConfirmedV1 = z.object({ orderId: id });
export const orderCancelledV1 = z.object({ orderId: id, reason: z.string() });
