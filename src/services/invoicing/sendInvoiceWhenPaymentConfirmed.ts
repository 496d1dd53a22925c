import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { InvoiceDocument, invoiceDocumentId, invoiceDocumentSchema } from "./documents";

type PaymentConfirmed = ReactionEvent<"invoicing", "sendInvoiceWhenPaymentConfirmed">;

/** The invoice goes out once the money is in (not when stock is reserved), as the business flow asks. */
export const sendInvoice = (event: PaymentConfirmed, invoice: InvoiceDocument | undefined, context: DecisionContext): Decision => {
  // Already sent, or the order was cancelled before payment was confirmed: no invoice for it.
  if (invoice) return nothingToDo;
  const { orderId, customerId, amount, currency } = event.data;
  const invoiceId = `INV-${context.newId()}`;
  return {
    changes: [
      {
        put: {
          id: invoiceDocumentId(orderId),
          pk: orderId,
          kind: "invoice",
          orderId,
          status: "Sent",
          invoiceId,
          customerId,
          total: amount,
          currency,
          updatedAt: context.now.toISOString(),
        } satisfies InvoiceDocument,
      },
    ],
    publish: [
      { type: "Invoicing.InvoiceSent.v1", subject: `orders/${orderId}`, data: { orderId, invoiceId, customerId, total: amount, currency } },
    ],
  };
};

export const sendInvoiceWhenPaymentConfirmed = defineReaction("invoicing", "sendInvoiceWhenPaymentConfirmed", {
  partitionKey: (event) => event.data.orderId,
  load: (event, { read }) => read(invoiceDocumentSchema, invoiceDocumentId(event.data.orderId), event.data.orderId),
  decide: sendInvoice,
  // The invoice is named after the order: nearly always new on a first delivery.
  tuning: { readHints: [[invoiceDocumentSchema, "likelyNew"]] },
});
