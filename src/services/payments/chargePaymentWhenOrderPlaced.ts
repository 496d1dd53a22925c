import { Reaction } from "../../platform/reaction";
import { readValid } from "../../platform/documentSchema";
import { PaymentDocument, paymentDocumentId, paymentDocumentSchema } from "./documents";
import { PaymentGateway } from "./paymentGateway";
import { PaymentFacts, decidePayment, factsAfterCancellation } from "./settlePayment";

export const chargePaymentWhenOrderPlaced: Reaction<"payments", "chargePaymentWhenOrderPlaced", PaymentFacts, { gateway: PaymentGateway }> = {
  service: "payments",
  name: "chargePaymentWhenOrderPlaced",
  partitionKey: (event) => event.data.orderId,
  async load(event, { store, ports, idempotencyKey, act }) {
    const { orderId, customerId, total, currency, paymentToken } = event.data;
    const payment: PaymentDocument = (await readValid(store, paymentDocumentSchema, paymentDocumentId(orderId), orderId, { likelyNew: true })) ?? {
      id: paymentDocumentId(orderId),
      pk: orderId,
      kind: "payment",
      orderId,
      status: "Charging",
      chargeKey: idempotencyKey,
      correlationId: event.correlationid,
      causationId: event.id,
      customerId,
      amount: total,
      currency,
      updatedAt: event.time,
    };
    switch (payment.status) {
      case "Charging": {
        // Intent first (`act` creates it when it is not stored yet). A cancellation that got here first holds the id:
        // the create conflicts and the runner decides again, from the marker. The key is the recorded intent's: a
        // redelivery, or a concurrent duplicate, gets the first answer back.
        const outcome = await act({
          intent: payment,
          idempotencyKey: payment.chargeKey ?? idempotencyKey,
          call: (key) => ports.gateway.charge({ amount: total, currency, token: paymentToken, reference: orderId }, { idempotencyKey: key }),
        });
        return { kind: "charged", payment, outcome };
      }
      case "CancelledBeforeCharge":
      case "NotCharged":
        // The cancellation got here first; an earlier attempt of ours may still have charged: find it and refund it.
        return factsAfterCancellation(payment, ports.gateway, act);
      case "Charged":
      case "Declined":
      case "Refunded":
        return { kind: "nothingToDo" };
      default: {
        const never: never = payment.status;
        throw new Error(`Unknown payment status ${String(never)}`);
      }
    }
  },
  decide: (_event, facts, context) => decidePayment(facts, context.now),
};
