import { z } from "zod";
import { OutsideCallOptions, callJsonApi } from "../../platform/httpClient";

export type ChargeOutcome =
  | { readonly status: "succeeded"; readonly chargeId: string }
  | { readonly status: "declined"; readonly code: string; readonly message: string };

/** A charge as the gateway recorded it: what reconciliation compares with our own records. */
export interface GatewayCharge {
  readonly chargeId: string;
  readonly idempotencyKey: string;
  readonly status: "succeeded" | "declined";
  readonly amount: number;
  readonly refundedAmount: number;
  /** Our order id, sent with the charge. */
  readonly reference?: string;
  readonly createdAt: string;
}

/** The port: what payments needs from a card gateway. */
export interface PaymentGateway {
  charge(
    request: { amount: number; currency: string; token: string; reference: string },
    options: OutsideCallOptions,
  ): Promise<ChargeOutcome>;
  refund(request: { chargeId: string; amount: number }, options: OutsideCallOptions): Promise<{ refundId: string }>;
  /** The charge made under an idempotency key, if the gateway executed one (a crash may have hidden its answer). */
  findCharge(idempotencyKey: string, options?: { abortSignal?: AbortSignal }): Promise<GatewayCharge | undefined>;
  /** Charges created in a time window, for reconciliation. */
  listCharges(window: { createdFrom: Date; createdTo: Date }, options?: { abortSignal?: AbortSignal }): Promise<GatewayCharge[]>;
}

/** Every path that refunds a charge uses this key, so a charge is refunded at most once whoever gets there first. */
export const refundKeyOf = (chargeId: string): string => `refund:${chargeId}`;

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
const gatewayCharge = z.object({
  chargeId: z.string().min(1),
  idempotencyKey: z.string(),
  status: z.enum(["succeeded", "declined"]),
  amount: z.number(),
  refundedAmount: z.number().default(0),
  reference: z.string().optional(),
  time: z.string(),
});
const chargeList = z.array(gatewayCharge);

const toGatewayCharge = ({ time, ...rest }: z.infer<typeof gatewayCharge>): GatewayCharge => ({ ...rest, createdAt: time });

/** Adapter for a gateway with a Stripe-like HTTP API (the local simulator speaks it too). */
export const createHttpPaymentGateway = (options: HttpPaymentGatewayOptions): PaymentGateway => {
  const base = options.baseUrl.replace(/\/$/, "");
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const post = (path: string, body: unknown, call: OutsideCallOptions) =>
    callJsonApi({
      system: "Payment gateway",
      method: "POST",
      url: `${base}${path}`,
      body,
      headers: { "idempotency-key": call.idempotencyKey, ...auth },
      timeoutInMs: options.timeoutInMs,
      abortSignal: call.abortSignal,
      fetch: options.fetch,
    });
  const list = async (query: URLSearchParams, abortSignal?: AbortSignal): Promise<GatewayCharge[]> => {
    const { status, body } = await callJsonApi({
      system: "Payment gateway",
      method: "GET",
      url: `${base}/charges?${query.toString()}`,
      headers: auth,
      timeoutInMs: options.timeoutInMs,
      abortSignal,
      fetch: options.fetch,
    });
    if (status !== 200) throw new Error(`Payment gateway refused the charge search: ${status} ${JSON.stringify(body).slice(0, 200)}`);
    return chargeList.parse(body).map(toGatewayCharge);
  };

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
    async findCharge(idempotencyKey, call) {
      const [found] = await list(new URLSearchParams({ idempotencyKey }), call?.abortSignal);
      return found;
    },
    listCharges(window, call) {
      return list(
        new URLSearchParams({ createdFrom: window.createdFrom.toISOString(), createdTo: window.createdTo.toISOString() }),
        call?.abortSignal,
      );
    },
  };
};
