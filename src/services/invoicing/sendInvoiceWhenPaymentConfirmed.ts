import { ReactionEvent } from "../../platform/eventParsing";
import { readValid } from "../../platform/documentSchema";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
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

export const sendInvoiceWhenPaymentConfirmed: Reaction<"invoicing", "sendInvoiceWhenPaymentConfirmed", InvoiceDocument | undefined> = {
  service: "invoicing",
  name: "sendInvoiceWhenPaymentConfirmed",
  partitionKey: (event) => event.data.orderId,
  load: (event, { store }) => readValid(store, invoiceDocumentSchema, invoiceDocumentId(event.data.orderId), event.data.orderId, { likelyNew: true }),
  decide: sendInvoice,
};
