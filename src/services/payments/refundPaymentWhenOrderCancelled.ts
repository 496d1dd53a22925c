import { defineReaction } from "../../define";
import { Outside } from "../../platform/reactions";
import { paymentDocumentId, paymentDocumentSchema } from "./documents";
import { PaymentGateway } from "./paymentGateway";
import { PaymentFacts, decidePayment, factsAfterCancellation } from "./settlePayment";

/**
 * Compensation. Whatever state the payment is in when the cancellation lands, the flow ends with one payment outcome:
 * Refunded (a charge was found and refunded), Declined, or NotCharged — published here, or by the charge itself when
 * it was still in flight.
 */
export const refundPaymentWhenOrderCancelled = defineReaction("payments", "refundPaymentWhenOrderCancelled", {
  partitionKey: (event) => event.data.orderId,
  load: (event, { read }) => read(paymentDocumentSchema, paymentDocumentId(event.data.orderId), event.data.orderId),
  async act(event, payment, outside: Outside<{ gateway: PaymentGateway }>): Promise<PaymentFacts> {
    const { gateway } = outside.ports;
    if (!payment) return { kind: "cancelledBeforeIntent", orderId: event.data.orderId };
    switch (payment.status) {
      case "Charging": {
        const facts = await factsAfterCancellation(payment, gateway, outside.call);
        // Nothing at the gateway yet: the charge may be in flight. Mark the cancellation; that charge's commit then
        // fails on the ETag, and its retry finds the charge and refunds it.
        return facts.kind === "cancelled" && facts.charge === undefined ? { kind: "markCancelled", payment } : facts;
      }
      case "Charged":
        return factsAfterCancellation(payment, gateway, outside.call);
      case "CancelledBeforeCharge":
      case "NotCharged":
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
});
