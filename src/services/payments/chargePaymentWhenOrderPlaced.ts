import { EventOf, eventsOf } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { PaymentDocument, paymentDocumentId } from "./documents";
import { ChargeOutcome, PaymentGateway } from "./paymentGateway";

type OrderPlaced = EventOf<"Orders.OrderPlaced.v1">;

export interface ChargeState {
  readonly payment: PaymentDocument | undefined;
  /** The gateway's answer; absent when no charge was attempted (the payment was already settled or cancelled). */
  readonly charge: ChargeOutcome | undefined;
}

export const recordCharge = (event: OrderPlaced, state: ChargeState, context: DecisionContext): Decision => {
  const { orderId, customerId, total, currency } = event.data;
  if (state.payment || !state.charge) return nothingToDo;
  const base = { id: paymentDocumentId(orderId), pk: orderId, kind: "payment" as const, orderId, amount: total, currency, updatedAt: context.now.toISOString() };
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
  async load(event, { store, ports, idempotencyKey }) {
    const { orderId, total, currency, paymentToken } = event.data;
    const payment = await store.readDocument<PaymentDocument>(paymentDocumentId(orderId), orderId);
    if (payment) return { payment, charge: undefined };
    // The event id is the idempotency key: a redelivery gets the first answer back, never a second charge.
    const charge = await ports.gateway.charge({ amount: total, currency, token: paymentToken, reference: orderId }, { idempotencyKey });
    return { payment: undefined, charge };
  },
  decide: recordCharge,
};
