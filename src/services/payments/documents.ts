import { Currency } from "../../events/money";
import { StoredDocument } from "../../platform/store";

export type PaymentStatus = "Charged" | "Declined" | "Refunded" | "CancelledBeforeCharge";

/** One per order, in the order's partition. */
export interface PaymentDocument extends StoredDocument {
  readonly kind: "payment";
  readonly orderId: string;
  readonly status: PaymentStatus;
  /** Absent on the marker left by a cancellation that arrived before any charge. */
  readonly amount?: number;
  readonly currency?: Currency;
  readonly chargeId?: string;
  readonly refundId?: string;
  readonly declineReason?: string;
  readonly updatedAt: string;
}

export const paymentDocumentId = (orderId: string): string => `payment:${orderId}`;
