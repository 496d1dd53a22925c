import { CallOutside, Decision, nothingToDo } from "../../platform/reactions";
import { NewEvent } from "../../platform/publishing";
import { PaymentDocument, paymentDocumentId } from "./documents";
import { ChargeOutcome, GatewayCharge, PaymentGateway, refundKeyOf } from "./paymentGateway";

/**
 * What is known about a payment once the gateway has been asked: the basis of every payment decision, whichever
 * reaction (charge, refund) or timer (reconciliation) got there first. Deciding from the same facts the same way is
 * what makes the outcome independent of delivery order and of crashes in between.
 */
export type PaymentFacts =
  /** Nothing left to do: settled, or nothing the gateway knows of yet. */
  | { readonly kind: "nothingToDo" }
  /** Cancelled before any charge was intended: none can follow, since a charge needs its intent recorded first. */
  | { readonly kind: "cancelledBeforeIntent"; readonly orderId: string }
  /** The gateway answered the charge whose intent `payment` records. */
  | { readonly kind: "charged"; readonly payment: PaymentDocument; readonly outcome: ChargeOutcome }
  /** The order is cancelled; the gateway holds this charge under our key (or none); a succeeded one was refunded. */
  | {
      readonly kind: "cancelled";
      readonly payment: PaymentDocument;
      readonly charge: GatewayCharge | undefined;
      readonly refundId: string | undefined;
    }
  /** Cancelled while the charge may still be in flight: mark it, so the charge settles itself when it lands. */
  | { readonly kind: "markCancelled"; readonly payment: PaymentDocument };

/** The decline code of a charge never sent: the order named a payment method payments does not keep for its customer. */
export const UNKNOWN_PAYMENT_METHOD = "unknown_payment_method";

const subjectOf = (orderId: string) => `orders/${orderId}`;

/** The amount and currency the intent recorded; a charge is never made without them. */
const intentOf = (payment: PaymentDocument) => {
  if (payment.amount === undefined || !payment.currency || !payment.customerId) {
    throw new Error(`Payment of order ${payment.orderId} has a charge but no recorded intent (amount, currency, customer)`);
  }
  return { amount: payment.amount, currency: payment.currency, customerId: payment.customerId };
};

const settle = (payment: PaymentDocument, now: Date, changes: Partial<PaymentDocument>, publish: NewEvent[]): Decision => ({
  changes: [{ put: { ...payment, ...changes, updatedAt: now.toISOString() } }],
  publish,
});

const declined = (payment: PaymentDocument, now: Date, chargeId: string | undefined, reason = "Payment declined by the gateway"): Decision => {
  return settle(payment, now, { status: "Declined", ...(chargeId ? { chargeId } : {}), declineReason: reason }, [
    { type: "Payments.PaymentFailed.v1", subject: subjectOf(payment.orderId), data: { orderId: payment.orderId, reason, code: "Declined" } },
  ]);
};

const notCharged = (orderId: string): NewEvent => ({
  type: "Payments.PaymentFailed.v1",
  subject: subjectOf(orderId),
  data: { orderId, reason: "Not charged: the order was already cancelled", code: "OrderAlreadyCancelled" },
});

/** The decision for a set of facts. Pure. */
export const decidePayment = (facts: PaymentFacts, now: Date): Decision => {
  switch (facts.kind) {
    case "nothingToDo":
      return nothingToDo;
    case "cancelledBeforeIntent": {
      const { orderId } = facts;
      const document: PaymentDocument = { id: paymentDocumentId(orderId), pk: orderId, kind: "payment", orderId, status: "NotCharged", updatedAt: now.toISOString() };
      return { changes: [{ put: document }], publish: [notCharged(orderId)] };
    }
    case "markCancelled":
      return settle(facts.payment, now, { status: "CancelledBeforeCharge" }, []);
    case "charged": {
      const { payment, outcome } = facts;
      if (payment.status !== "Charging") return nothingToDo;
      if (outcome.status === "declined") {
        return declined(payment, now, undefined, outcome.code === UNKNOWN_PAYMENT_METHOD ? `Payment declined: ${outcome.message}` : undefined);
      }
      const { amount, currency, customerId } = intentOf(payment);
      return settle(payment, now, { status: "Charged", chargeId: outcome.chargeId }, [
        {
          type: "Payments.PaymentConfirmed.v1",
          subject: subjectOf(payment.orderId),
          data: { orderId: payment.orderId, customerId, chargeId: outcome.chargeId, amount, currency },
        },
      ]);
    }
    case "cancelled": {
      const { payment, charge, refundId } = facts;
      if (charge?.status === "succeeded") {
        if (!refundId || payment.status === "Refunded") return nothingToDo;
        const { currency } = intentOf(payment);
        return settle(payment, now, { status: "Refunded", chargeId: charge.chargeId, refundId }, [
          {
            type: "Payments.PaymentRefunded.v1",
            subject: subjectOf(payment.orderId),
            data: { orderId: payment.orderId, chargeId: charge.chargeId, refundId, amount: charge.amount, currency },
          },
        ]);
      }
      // Already reported as not charged, declined or refunded: the flow has its payment outcome.
      if (payment.status === "NotCharged" || payment.status === "Declined" || payment.status === "Refunded") return nothingToDo;
      if (charge?.status === "declined") return declined(payment, now, charge.chargeId);
      return settle(payment, now, { status: "NotCharged" }, [notCharged(payment.orderId)]);
    }
    default: {
      const never: never = facts;
      throw new Error(`Unknown payment facts ${JSON.stringify(never)}`);
    }
  }
};

/**
 * For a cancelled order: asks the gateway what it did under the payment's key — an earlier attempt may have charged and
 * crashed before recording it — and refunds a succeeded charge. Every path refunds under the same key, so the gateway
 * refunds a charge once however many paths find it. The refund's intent is the payment record as read: it already
 * holds the charge key that finds the charge (and so its refund) again, so `call` writes nothing before the call.
 */
export const factsAfterCancellation = async (payment: PaymentDocument, gateway: PaymentGateway, call: CallOutside): Promise<PaymentFacts> => {
  const charge = payment.chargeKey ? await gateway.findCharge(payment.chargeKey) : undefined;
  if (charge?.status === "succeeded" && payment.status !== "Refunded") {
    const { refundId } = await call({
      intent: payment,
      idempotencyKey: refundKeyOf(charge.chargeId),
      call: (idempotencyKey) => gateway.refund({ chargeId: charge.chargeId, amount: charge.amount }, { idempotencyKey }),
    });
    return { kind: "cancelled", payment, charge, refundId };
  }
  return { kind: "cancelled", payment, charge, refundId: undefined };
};

/** A charge as the gateway recorded it, as the answer the charge call would have given. */
export const outcomeOf = (charge: GatewayCharge): ChargeOutcome =>
  charge.status === "succeeded"
    ? { status: "succeeded", chargeId: charge.chargeId }
    : { status: "declined", code: "card_declined", message: "Declined (found by reconciliation)" };
