import { EventOf, eventsOf } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { Versioned, stripSystemProperties } from "../../platform/store";
import { PaymentDocument, paymentDocumentId } from "./documents";
import { PaymentGateway } from "./paymentGateway";

type OrderCancelled = EventOf<"Orders.OrderCancelled.v1">;

export interface RefundState {
  readonly payment: Versioned<PaymentDocument> | undefined;
  readonly refundId: string | undefined;
}

/** Compensation: refund a charge of a cancelled order; a cancellation that overtakes the charge blocks it. */
export const recordRefund = (event: OrderCancelled, state: RefundState, context: DecisionContext): Decision => {
  const { orderId } = event.data;
  const updatedAt = context.now.toISOString();
  const { payment } = state;
  if (!payment) {
    return {
      writes: [
        {
          op: "create",
          document: {
            id: paymentDocumentId(orderId),
            pk: orderId,
            kind: "payment",
            orderId,
            status: "CancelledBeforeCharge",
            updatedAt,
          } satisfies PaymentDocument,
        },
      ],
      publish: [],
    };
  }
  const { chargeId, amount, currency } = payment;
  if (payment.status !== "Charged" || !chargeId || amount === undefined || !currency || !state.refundId) return nothingToDo;
  return {
    writes: [
      {
        op: "replace",
        ifMatch: payment._etag,
        document: { ...stripSystemProperties(payment), status: "Refunded", refundId: state.refundId, updatedAt } satisfies PaymentDocument,
      },
    ],
    publish: [
      {
        type: "Payments.PaymentRefunded.v1",
        subject: `orders/${orderId}`,
        data: { orderId, chargeId, refundId: state.refundId, amount, currency },
      },
    ],
  };
};

export const refundPaymentWhenOrderCancelled: Reaction<OrderCancelled, RefundState, { gateway: PaymentGateway }> = {
  service: "payments",
  name: "refundPaymentWhenOrderCancelled",
  events: eventsOf("Orders.OrderCancelled.v1"),
  partitionKey: (event) => event.data.orderId,
  async load(event, { store, ports, idempotencyKey }) {
    const payment = await store.readDocument<PaymentDocument>(paymentDocumentId(event.data.orderId), event.data.orderId);
    if (payment?.status !== "Charged" || !payment.chargeId || payment.amount === undefined) return { payment, refundId: undefined };
    const { refundId } = await ports.gateway.refund({ chargeId: payment.chargeId, amount: payment.amount }, { idempotencyKey });
    return { payment, refundId };
  },
  decide: recordRefund,
};
