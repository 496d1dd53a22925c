import { InvoiceDocument } from "#src/services/invoicing/documents";
import { sendInvoice } from "#src/services/invoicing/sendInvoiceWhenPaymentConfirmed";
import { voidInvoice } from "#src/services/invoicing/voidInvoiceWhenOrderCancelled";
import { anEvent, decisionContext } from "../../../support/events";

const confirmed = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch", amount: 30, currency: "EUR" });
const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "Insufficient stock for A" });
const sent: InvoiceDocument = {
  id: "invoice:o-1", pk: "o-1", kind: "invoice", orderId: "o-1", status: "Sent", invoiceId: "INV-1", total: 30, currency: "EUR", updatedAt: "t",
};

describe("invoicing", () => {
  it("given payment confirmed and no invoice, sends one for the amount paid", () => {
    const decision = sendInvoice(confirmed, undefined, decisionContext());
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Sent", total: 30, invoiceId: "INV-id-1" }) }]);
    expect(decision.publish).toEqual([
      { type: "Invoicing.InvoiceSent.v1", subject: "orders/o-1", data: { orderId: "o-1", invoiceId: "INV-id-1", customerId: "c-1", total: 30, currency: "EUR" } },
    ]);
  });

  it("given the order was cancelled before payment was confirmed, sends no invoice", () => {
    const marker: InvoiceDocument = { id: "invoice:o-1", pk: "o-1", kind: "invoice", orderId: "o-1", status: "CancelledBeforeInvoice", updatedAt: "t" };
    expect(sendInvoice(confirmed, marker, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given a sent invoice, voids it when the order is cancelled", () => {
    const decision = voidInvoice(cancelled, sent, decisionContext());
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Voided" }) }]);
    expect(decision.publish).toEqual([
      { type: "Invoicing.InvoiceVoided.v1", subject: "orders/o-1", data: { orderId: "o-1", invoiceId: "INV-1", reason: "Insufficient stock for A" } },
    ]);
  });

  it("given no invoice yet, leaves a marker when the order is cancelled", () => {
    expect(voidInvoice(cancelled, undefined, decisionContext()).changes).toEqual([
      { put: expect.objectContaining({ status: "CancelledBeforeInvoice" }) },
    ]);
  });
});
