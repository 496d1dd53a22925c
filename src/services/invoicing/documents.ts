import { z } from "zod";
import { currencySchema } from "../../events/money";
import { documentSchema } from "../../platform/documentSchema";

export const invoiceStatusSchema = z.enum(["Sent", "Voided", "CancelledBeforeInvoice"]);
export type InvoiceStatus = z.infer<typeof invoiceStatusSchema>;

/** One per order, in the order's partition. */
export const invoiceDocumentSchema = documentSchema("invoice", {
  orderId: z.string(),
  status: invoiceStatusSchema,
  invoiceId: z.string().optional(),
  customerId: z.string().optional(),
  total: z.number().optional(),
  currency: currencySchema.optional(),
  updatedAt: z.string(),
});
export type InvoiceDocument = z.infer<typeof invoiceDocumentSchema>;

export const invoiceDocumentId = (orderId: string): string => `invoice:${orderId}`;
