import { EventOf, eventsOf } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { Versioned } from "../../platform/store";
import { PaymentDocument, paymentDocumentId } from "./documents";
import { ChargeOutcome, PaymentGateway } from "./paymentGateway";

type OrderPlaced = EventOf<"Orders.OrderPlaced.v1">;

export interface ChargeState {
  readonly payment: Versioned<PaymentDocument> | undefined;
  /** The gateway's answer; absent when no charge was attempted (the payment was already settled or cancelled). */
  readonly charge: ChargeOutcome | undefined;
  /** Set when the order was cancelled while this delivery was charging: the charge was refunded at once. */
  readonly refundId?: string;
}

export const recordCharge = (event: OrderPlaced, state: ChargeState, context: DecisionContext): Decision => {
  const { orderId, customerId, total, currency } = event.data;
  const base = { id: paymentDocumentId(orderId), pk: orderId, kind: "payment" as const, orderId, amount: total, currency, updatedAt: context.now.toISOString() };
  const { payment, charge, refundId } = state;
  if (payment?.status === "CancelledBeforeCharge" && charge?.status === "succeeded" && refundId) {
    // The cancellation overtook a charge in flight: the money went out and came straight back.
    return {
      writes: [{ op: "replace", ifMatch: payment._etag, document: { ...base, status: "Refunded", chargeId: charge.chargeId, refundId } satisfies PaymentDocument }],
      publish: [
        {
          type: "Payments.PaymentRefunded.v1",
          subject: `orders/${orderId}`,
          data: { orderId, chargeId: charge.chargeId, refundId, amount: total, currency },
        },
      ],
    };
  }
  if (payment || !state.charge) return nothingToDo;
  if (state.charge.status === "succeeded") {
    return {
      writes: [{ op: "create", document: { ...base, status: "Charged", chargeId: state.charge.chargeId } satisfies PaymentDocument }],
      publish: [
        {
          type: "Payments.PaymentConfirmed.v1",
          subject: `orders/${orderId}`,
          data: { orderId, customerId, chargeId: state.charge.chargeId, amount: total, currency },
        },
      ],
    };
  }
  const reason = `Payment declined: ${state.charge.code}`;
  return {
    writes: [{ op: "create", document: { ...base, status: "Declined", declineReason: reason } satisfies PaymentDocument }],
    publish: [{ type: "Payments.PaymentFailed.v1", subject: `orders/${orderId}`, data: { orderId, reason } }],
  };
};

export const chargePaymentWhenOrderPlaced: Reaction<OrderPlaced, ChargeState, { gateway: PaymentGateway }> = {
  service: "payments",
  name: "chargePaymentWhenOrderPlaced",
  events: eventsOf("Orders.OrderPlaced.v1"),
  partitionKey: (event) => event.data.orderId,
  async load(event, { store, ports, idempotencyKey, memo }) {
    const { orderId, total, currency, paymentToken } = event.data;
    const payment = await store.readDocument<PaymentDocument>(paymentDocumentId(orderId), orderId);
    // A charge made by an earlier attempt of this delivery, whose commit then lost a race, is remembered.
    let charge = memo.get("charge") as ChargeOutcome | undefined;
    if (!payment && !charge) {
      // The event id is the idempotency key: a redelivery gets the first answer back, never a second charge.
      charge = await ports.gateway.charge({ amount: total, currency, token: paymentToken, reference: orderId }, { idempotencyKey });
      memo.set("charge", charge);
    }
    if (payment?.status === "CancelledBeforeCharge" && charge?.status === "succeeded") {
      const { refundId } = await ports.gateway.refund({ chargeId: charge.chargeId, amount: total }, { idempotencyKey: `${idempotencyKey}:refund` });
      return { payment, charge, refundId };
    }
    return { payment, charge: payment ? undefined : charge };
  },
  decide: recordCharge,
};
