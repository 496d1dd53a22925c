import { defineReaction } from "../../define";
import { Outside } from "../../platform/reactions";
import { PaymentDocument, paymentDocumentId, paymentDocumentSchema } from "./documents";
import { PaymentGateway } from "./paymentGateway";
import { paymentMethods } from "./paymentMethods";
import { PaymentFacts, UNKNOWN_PAYMENT_METHOD, decidePayment, factsAfterCancellation } from "./settlePayment";

export const chargePaymentWhenOrderPlaced = defineReaction("payments", "chargePaymentWhenOrderPlaced", {
  partitionKey: (event) => event.data.orderId,
  async load(event, { read }) {
    // Two partitions, neither read depending on the other: side by side.
    const [stored, card] = await Promise.all([
      read(paymentDocumentSchema, paymentDocumentId(event.data.orderId), event.data.orderId),
      paymentMethods.resolve(read, event.data.paymentMethodId, event.data.customerId),
    ]);
    return { stored, card };
  },
  async act(event, { stored, card }, outside: Outside<{ gateway: PaymentGateway }>): Promise<PaymentFacts> {
    const { orderId, customerId, total, currency } = event.data;
    const { gateway } = outside.ports;
    const payment: PaymentDocument = stored ?? {
      id: paymentDocumentId(orderId),
      pk: orderId,
      kind: "payment",
      orderId,
      status: "Charging",
      chargeKey: outside.idempotencyKey,
      correlationId: event.correlationid,
      causationId: event.id,
      customerId,
      amount: total,
      currency,
      updatedAt: event.time,
    };
    switch (payment.status) {
      case "Charging": {
        if ("refused" in card) {
          // Never sent to the gateway: declined, and the order compensates. With an intent recorded a charge may have
          // been made under it, and only the card token can ask again: the delivery fails, Event Grid retries it and
          // then dead-letters it for an operator (no code deletes a payment method, so this needs one deleted by hand).
          if (stored) throw new Error(`Order ${orderId} has a charge under way but its payment method is gone: ${card.refused}`);
          return { kind: "charged", payment, outcome: { status: "declined", code: UNKNOWN_PAYMENT_METHOD, message: card.refused } };
        }
        // Intent first (`call` creates it when it is not stored yet). A cancellation that got here first holds the id:
        // the create conflicts and the runner decides again, from the marker. The key is the recorded intent's: a
        // redelivery, or a concurrent duplicate, gets the first answer back.
        const outcome = await outside.call({
          intent: payment,
          idempotencyKey: payment.chargeKey ?? outside.idempotencyKey,
          call: (key) => gateway.charge({ amount: total, currency, token: card.token, reference: orderId }, { idempotencyKey: key }),
        });
        return { kind: "charged", payment, outcome };
      }
      case "CancelledBeforeCharge":
      case "NotCharged":
        // The cancellation got here first; an earlier attempt of ours may still have charged: find it and refund it.
        return factsAfterCancellation(payment, gateway, outside.call);
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
  // The payment is named after the order: nearly always new on a first delivery (a cancellation's marker or a
  // redelivery makes the intent's create conflict, and the next attempt reads it).
  tuning: { readHints: [[paymentDocumentSchema, "likelyNew"]] },
});
