import { z } from "zod";
import { parseSettings } from "../../platform/config";
import { ServiceModule } from "../../define";
import { chargePaymentWhenOrderPlaced } from "./chargePaymentWhenOrderPlaced";
import { PaymentGateway, createHttpPaymentGateway } from "./paymentGateway";
import { registerPaymentMethod } from "./paymentMethods";
import { ReconciliationOptions, defaultReconciliationOptions, reconcilePaymentsWithGateway } from "./reconcilePaymentsWithGateway";
import { refundPaymentWhenOrderCancelled } from "./refundPaymentWhenOrderCancelled";

const settings = z.object({
  PAYMENT_GATEWAY_URL: z.url({ message: "PAYMENT_GATEWAY_URL must be the payment gateway's base URL" }),
  PAYMENT_GATEWAY_API_KEY: z.string().optional(),
  PAYMENT_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(25_000).default(10_000),
  RECONCILIATION_GRACE_MS: z.coerce.number().int().min(0).default(defaultReconciliationOptions.graceInMs),
});

export interface PaymentsPorts {
  readonly gateway: PaymentGateway;
  readonly reconciliation: ReconciliationOptions;
}

export const paymentsService: ServiceModule<"payments", PaymentsPorts> = {
  name: "payments",
  reactions: [chargePaymentWhenOrderPlaced, refundPaymentWhenOrderCancelled],
  http: { registerPaymentMethod },
  timers: {
    async reconcilePaymentsWithGateway(rt) {
      const report = await reconcilePaymentsWithGateway(rt, rt.ports.reconciliation);
      if (report.repaired === 0 && report.unknownCharges.length === 0) return undefined;
      return `repaired ${report.repaired} payment(s) from the gateway's records${report.unknownCharges.length > 0 ? `; charges with no payment record (left alone, look at them): ${report.unknownCharges.join(", ")}` : ""}`;
    },
  },
  createPorts(env) {
    const s = parseSettings(settings, env, "payments");
    return {
      gateway: createHttpPaymentGateway({ baseUrl: s.PAYMENT_GATEWAY_URL, apiKey: s.PAYMENT_GATEWAY_API_KEY, timeoutInMs: s.PAYMENT_GATEWAY_TIMEOUT_MS }),
      reconciliation: { ...defaultReconciliationOptions, graceInMs: s.RECONCILIATION_GRACE_MS },
    };
  },
};
