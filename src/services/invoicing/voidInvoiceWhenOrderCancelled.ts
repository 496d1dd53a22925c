import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { InvoiceDocument, invoiceDocumentId, invoiceDocumentSchema } from "./documents";

type OrderCancelled = ReactionEvent<"invoicing", "voidInvoiceWhenOrderCancelled">;

/** Compensation: void a sent invoice; a cancellation that arrives first leaves a marker so none is sent later. */
export const voidInvoice = (
  event: OrderCancelled,
  invoice: InvoiceDocument | undefined,
  context: DecisionContext,
): Decision => {
  const { orderId, reason } = event.data;
  const updatedAt = context.now.toISOString();
  if (!invoice) {
    return {
      changes: [
        {
          put: { id: invoiceDocumentId(orderId), pk: orderId, kind: "invoice", orderId, status: "CancelledBeforeInvoice", updatedAt } satisfies InvoiceDocument,
        },
      ],
      publish: [],
    };
  }
  if (invoice.status !== "Sent" || !invoice.invoiceId) return nothingToDo;
  return {
    changes: [{ put: { ...invoice, status: "Voided", updatedAt } }],
    publish: [{ type: "Invoicing.InvoiceVoided.v1", subject: `orders/${orderId}`, data: { orderId, invoiceId: invoice.invoiceId, reason } }],
  };
};

export const voidInvoiceWhenOrderCancelled = defineReaction("invoicing", "voidInvoiceWhenOrderCancelled", {
  partitionKey: (event) => event.data.orderId,
  load: (event, { read }) => read(invoiceDocumentSchema, invoiceDocumentId(event.data.orderId), event.data.orderId),
  decide: voidInvoice,
});
