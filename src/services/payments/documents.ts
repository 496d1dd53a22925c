import { z } from "zod";
import { currencySchema } from "../../events/money";
import { documentSchema } from "../../platform/documentSchema";

/**
 * The life of one order's payment:
 * - `Charging`: the intent, committed before the gateway is called, with the idempotency key the call uses; whatever
 *   the gateway did under that key can be found again after any crash.
 * - `Charged` / `Declined`: the gateway's answer, recorded.
 * - `CancelledBeforeCharge`: the order was cancelled while a charge was (or may have been) in flight; whoever comes
 *   next (the charge's redelivery, or reconciliation) asks the gateway and settles it as Refunded or NotCharged.
 * - `Refunded` / `NotCharged`: settled after a cancellation.
 */
export const paymentStatusSchema = z.enum(["Charging", "Charged", "Declined", "Refunded", "CancelledBeforeCharge", "NotCharged"]);
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;

/** One per order, in the order's partition. */
export const paymentDocumentSchema = documentSchema("payment", {
  orderId: z.string(),
  status: paymentStatusSchema,
  /** The idempotency key of the charge, recorded with the intent; absent when no charge was ever intended. */
  chargeKey: z.string().optional(),
  /** The flow and the OrderPlaced that asked for the charge: what reconciliation publishes its findings under. */
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  customerId: z.string().optional(),
  amount: z.number().optional(),
  currency: currencySchema.optional(),
  chargeId: z.string().optional(),
  refundId: z.string().optional(),
  declineReason: z.string().optional(),
  updatedAt: z.string(),
});
export type PaymentDocument = z.infer<typeof paymentDocumentSchema>;

export const paymentDocumentId = (orderId: string): string => `payment:${orderId}`;
