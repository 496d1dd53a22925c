import { noPorts } from "../../platform/serviceModule";
import { ServiceModule } from "../../define";
import { sendInvoiceWhenPaymentConfirmed } from "./sendInvoiceWhenPaymentConfirmed";
import { voidInvoiceWhenOrderCancelled } from "./voidInvoiceWhenOrderCancelled";

export const invoicingService: ServiceModule<"invoicing"> = {
  name: "invoicing",
  reactions: [sendInvoiceWhenPaymentConfirmed, voidInvoiceWhenOrderCancelled],
  http: {},
  createPorts: noPorts,
};
