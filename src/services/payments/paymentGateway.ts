import { z } from "zod";
import { OutsideCallOptions, callJsonApi } from "../../platform/httpClient";

export type ChargeOutcome =
  | { readonly status: "succeeded"; readonly chargeId: string }
  | { readonly status: "declined"; readonly code: string; readonly message: string };

/** The port: what payments needs from a card gateway. */
export interface PaymentGateway {
  charge(
    request: { amount: number; currency: string; token: string; reference: string },
    options: OutsideCallOptions,
  ): Promise<ChargeOutcome>;
  refund(request: { chargeId: string; amount: number }, options: OutsideCallOptions): Promise<{ refundId: string }>;
}

export interface HttpPaymentGatewayOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Must stay well under Event Grid's 30 s delivery timeout, or the delivery is retried while the call still runs. */
  readonly timeoutInMs: number;
  readonly fetch?: typeof fetch;
}

const chargeResponse = z.object({ chargeId: z.string().min(1) });
const declineResponse = z.object({ code: z.string().default("declined"), message: z.string().default("Payment declined") });
const refundResponse = z.object({ refundId: z.string().min(1) });

/** Adapter for a gateway with a Stripe-like HTTP API (the local simulator speaks it too). */
export const createHttpPaymentGateway = (options: HttpPaymentGatewayOptions): PaymentGateway => {
  const post = (path: string, body: unknown, call: OutsideCallOptions) =>
    callJsonApi({
      system: "Payment gateway",
      method: "POST",
      url: `${options.baseUrl.replace(/\/$/, "")}${path}`,
      body,
      headers: { "idempotency-key": call.idempotencyKey, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      timeoutInMs: options.timeoutInMs,
      abortSignal: call.abortSignal,
      fetch: options.fetch,
    });

  return {
    async charge(request, call) {
      const { status, body: json } = await post("/charges", request, call);
      if (status === 200 || status === 201) return { status: "succeeded", chargeId: chargeResponse.parse(json).chargeId };
      if (status === 402) {
        const decline = declineResponse.parse(json);
        return { status: "declined", code: decline.code, message: decline.message };
      }
      // Any other 4xx is our own bug (bad request, auth): retrying will not help, but failing loudly will be seen.
      throw new Error(`Payment gateway rejected the charge request: ${status} ${JSON.stringify(json).slice(0, 200)}`);
    },
    async refund(request, call) {
      const { status, body: json } = await post("/refunds", request, call);
      if (status === 200 || status === 201) return { refundId: refundResponse.parse(json).refundId };
      throw new Error(`Payment gateway rejected the refund request: ${status} ${JSON.stringify(json).slice(0, 200)}`);
    },
  };
};
