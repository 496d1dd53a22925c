import { z } from "zod";
import { parseSettings } from "../../platform/config";
import { ServiceModule } from "../../platform/serviceModule";
import { chargePaymentWhenOrderPlaced } from "./chargePaymentWhenOrderPlaced";
import { PaymentGateway, createHttpPaymentGateway } from "./paymentGateway";
import { refundPaymentWhenOrderCancelled } from "./refundPaymentWhenOrderCancelled";

const settings = z.object({
  PAYMENT_GATEWAY_URL: z.url({ message: "PAYMENT_GATEWAY_URL must be the payment gateway's base URL" }),
  PAYMENT_GATEWAY_API_KEY: z.string().optional(),
  PAYMENT_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(25_000).default(10_000),
});

export const paymentsService: ServiceModule<{ gateway: PaymentGateway }> = {
  name: "payments",
  reactions: [chargePaymentWhenOrderPlaced, refundPaymentWhenOrderCancelled],
  http: {},
  createPorts(env) {
    const s = parseSettings(settings, env, "payments");
    return {
      gateway: createHttpPaymentGateway({ baseUrl: s.PAYMENT_GATEWAY_URL, apiKey: s.PAYMENT_GATEWAY_API_KEY, timeoutInMs: s.PAYMENT_GATEWAY_TIMEOUT_MS }),
    };
  },
};
