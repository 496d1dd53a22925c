import { Currency } from "../../events/money";
import { StoredDocument } from "../../platform/store";

/**
 * The life of one order's payment:
 * - `Charging`: the intent, committed before the gateway is called, with the idempotency key the call uses; whatever
 *   the gateway did under that key can be found again after any crash.
 * - `Charged` / `Declined`: the gateway's answer, recorded.
 * - `CancelledBeforeCharge`: the order was cancelled while a charge was (or may have been) in flight; whoever comes
 *   next (the charge's redelivery, or reconciliation) asks the gateway and settles it as Refunded or NotCharged.
 * - `Refunded` / `NotCharged`: settled after a cancellation.
 */
export type PaymentStatus = "Charging" | "Charged" | "Declined" | "Refunded" | "CancelledBeforeCharge" | "NotCharged";

/** One per order, in the order's partition. */
export interface PaymentDocument extends StoredDocument {
  readonly kind: "payment";
  readonly orderId: string;
  readonly status: PaymentStatus;
  /** The idempotency key of the charge, recorded with the intent; absent when no charge was ever intended. */
  readonly chargeKey?: string;
  /** The flow and the OrderPlaced that asked for the charge: what reconciliation publishes its findings under. */
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly customerId?: string;
  readonly amount?: number;
  readonly currency?: Currency;
  readonly chargeId?: string;
  readonly refundId?: string;
  readonly declineReason?: string;
  readonly updatedAt: string;
}

export const paymentDocumentId = (orderId: string): string => `payment:${orderId}`;
