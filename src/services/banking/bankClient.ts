import { z } from "zod";
import { OutsideCallOptions, callJsonApi } from "../../platform/httpClient";

export type BankPaymentOutcome =
  | { readonly status: "succeeded"; readonly bankPaymentId: string }
  | { readonly status: "declined"; readonly code: string; readonly reason: string };

/** A payment as the bank recorded it: what reconciliation compares with our own records. */
export interface BankPaymentRecord {
  readonly paymentId: string;
  readonly idempotencyKey: string;
  readonly status: "succeeded" | "declined";
  readonly amount: number;
  /** Our top-up id, sent with the payment. */
  readonly reference?: string;
}

/** The port: collect money from the user's bank account for a top-up. */
export interface BankClient {
  createPayment(
    payment: { amount: number; currency: string; bankToken: string; reference: string },
    options: OutsideCallOptions,
  ): Promise<BankPaymentOutcome>;
  /** The payment made under an idempotency key, if the bank executed one (a crash may have hidden its answer). */
  findPayment(idempotencyKey: string, options?: { abortSignal?: AbortSignal }): Promise<BankPaymentRecord | undefined>;
}

export interface HttpBankClientOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Below Event Grid's 30 s, or a slow bank makes Event Grid retry while the first call still runs. */
  readonly timeoutInMs: number;
  readonly fetch?: typeof fetch;
}

const paymentRecord = z.object({
  paymentId: z.string().min(1),
  idempotencyKey: z.string(),
  status: z.enum(["succeeded", "declined"]),
  amount: z.number(),
  reference: z.string().optional(),
});

const paymentResponse = z.object({ paymentId: z.string().min(1).max(200) });
const declineResponse = z.object({
  code: z.string().min(1).max(100).catch("declined"),
  message: z.string().min(1).max(500).catch("The bank declined the payment"),
});

/** Adapter for the bank's payments API: `POST <base>/payments`. */
export const createHttpBankClient = (options: HttpBankClientOptions): BankClient => {
  const auth: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  return {
    async findPayment(idempotencyKey, call) {
      const { status, text, body } = await callJsonApi({
        system: "Bank",
        method: "GET",
        url: `${options.baseUrl.replace(/\/$/, "")}/payments?${new URLSearchParams({ idempotencyKey }).toString()}`,
        headers: auth,
        timeoutInMs: options.timeoutInMs,
        abortSignal: call?.abortSignal,
        fetch: options.fetch,
      });
      if (status !== 200) throw new Error(`Bank refused the payment search: ${status} ${text.slice(0, 200)}`);
      return z.array(paymentRecord).parse(body)[0];
    },
    async createPayment(payment, call) {
      const response = await callJsonApi({
        system: "Bank",
        method: "POST",
        url: `${options.baseUrl.replace(/\/$/, "")}/payments`,
        body: payment,
        headers: { "idempotency-key": call.idempotencyKey, ...auth },
        timeoutInMs: options.timeoutInMs,
        abortSignal: call.abortSignal,
        // 409: the bank is still working on the first request with this key.
        alsoTransient: [409],
        fetch: options.fetch,
      });
      const { body, text } = response;
      if (response.status === 200 || response.status === 201) {
        const parsed = paymentResponse.safeParse(body);
        if (!parsed.success) throw new Error(`Bank accepted the payment but sent no paymentId: ${text.slice(0, 200)}`);
        return { status: "succeeded", bankPaymentId: parsed.data.paymentId };
      }
      if (response.status === 402) {
        const decline = declineResponse.parse(typeof body === "object" && body !== null ? body : {});
        return { status: "declined", code: decline.code, reason: decline.message };
      }
      // Any other 4xx is our bug (request shape, key): retrying will not fix it, failing loudly will be seen.
      throw new Error(`Bank rejected the payment request: ${response.status} ${text.slice(0, 200)}`);
    },
  };
};
