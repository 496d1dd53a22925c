import { EventOf, eventsOf } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { InvoiceDocument, invoiceDocumentId } from "./documents";

type PaymentConfirmed = EventOf<"Payments.PaymentConfirmed.v1">;

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

export const sendInvoiceWhenPaymentConfirmed: Reaction<PaymentConfirmed, InvoiceDocument | undefined> = {
  service: "invoicing",
  name: "sendInvoiceWhenPaymentConfirmed",
  events: eventsOf("Payments.PaymentConfirmed.v1"),
  partitionKey: (event) => event.data.orderId,
  load: (event, { store }) => store.readDocument<InvoiceDocument>(invoiceDocumentId(event.data.orderId), event.data.orderId),
  decide: sendInvoice,
};
