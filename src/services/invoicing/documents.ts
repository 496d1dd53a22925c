import { Currency } from "../../events/money";
import { StoredDocument } from "../../platform/store";

export type InvoiceStatus = "Sent" | "Voided" | "CancelledBeforeInvoice";

/** One per order, in the order's partition. */
export interface InvoiceDocument extends StoredDocument {
  readonly kind: "invoice";
  readonly orderId: string;
  readonly status: InvoiceStatus;
  readonly invoiceId?: string;
  readonly customerId?: string;
  readonly total?: number;
  readonly currency?: Currency;
  readonly updatedAt: string;
}

export const invoiceDocumentId = (orderId: string): string => `invoice:${orderId}`;
