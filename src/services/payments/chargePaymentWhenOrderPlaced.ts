import { recordIntent } from "../../platform/intent";
import { Reaction } from "../../platform/reaction";
import { PaymentDocument, paymentDocumentId } from "./documents";
import { PaymentGateway } from "./paymentGateway";
import { PaymentFacts, decidePayment, factsAfterCancellation } from "./settlePayment";

export const chargePaymentWhenOrderPlaced: Reaction<"payments", "chargePaymentWhenOrderPlaced", PaymentFacts, { gateway: PaymentGateway }> = {
  service: "payments",
  name: "chargePaymentWhenOrderPlaced",
  partitionKey: (event) => event.data.orderId,
  async load(event, { store, ports, idempotencyKey }) {
    const { orderId, customerId, total, currency, paymentToken } = event.data;
    // Intent first (see recordIntent). A cancellation that got here first holds the id: the create conflicts and the
    // runner decides again, from the marker.
    const payment =
      (await store.readDocument<PaymentDocument>(paymentDocumentId(orderId), orderId)) ??
      (await recordIntent<PaymentDocument>(store, {
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
      }));
    switch (payment.status) {
      case "Charging": {
        // The key of the recorded intent: a redelivery, or a concurrent duplicate, gets the first answer back.
        const outcome = await ports.gateway.charge(
          { amount: total, currency, token: paymentToken, reference: orderId },
          { idempotencyKey: payment.chargeKey ?? idempotencyKey },
        );
        return { kind: "charged", payment, outcome };
      }
      case "CancelledBeforeCharge":
      case "NotCharged":
        // The cancellation got here first; an earlier attempt of ours may still have charged: find it and refund it.
        return factsAfterCancellation(payment, ports.gateway);
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
