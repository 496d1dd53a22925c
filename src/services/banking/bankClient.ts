import { z } from "zod";
import { TransientError } from "../../platform/errors";

export type BankPaymentOutcome =
  | { readonly status: "succeeded"; readonly bankPaymentId: string }
  | { readonly status: "declined"; readonly code: string; readonly reason: string };

export interface BankCallOptions {
  /** Sent as `Idempotency-Key`: the bank answers a repeated key with its first answer and never charges twice. */
  readonly idempotencyKey: string;
  readonly abortSignal?: AbortSignal;
}

/** The port: collect money from the user's bank account for a top-up. */
export interface BankClient {
  createPayment(
    payment: { amount: number; currency: string; bankToken: string; reference: string },
    options: BankCallOptions,
  ): Promise<BankPaymentOutcome>;
}

export interface HttpBankClientOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Below Event Grid's 30 s, or a slow bank makes Event Grid retry while the first call still runs. */
  readonly timeoutInMs: number;
  readonly fetch?: typeof fetch;
}

const paymentResponse = z.object({ paymentId: z.string().min(1).max(200) });
const declineResponse = z.object({
  code: z.string().min(1).max(100).catch("declined"),
  message: z.string().min(1).max(500).catch("The bank declined the payment"),
});

/** Adapter for the bank's payments API: `POST <base>/payments`. */
export const createHttpBankClient = (options: HttpBankClientOptions): BankClient => {
  const doFetch = options.fetch ?? fetch;
  return {
    async createPayment(payment, call) {
      const timeout = AbortSignal.timeout(options.timeoutInMs);
      let response: Response;
      try {
        response = await doFetch(`${options.baseUrl.replace(/\/$/, "")}/payments`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": call.idempotencyKey,
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body: JSON.stringify(payment),
          signal: call.abortSignal ? AbortSignal.any([timeout, call.abortSignal]) : timeout,
        });
      } catch (error) {
        // A timeout may mean the bank charged and answered late: the retry's same key gets that first answer back.
        throw new TransientError(`Bank unreachable or too slow (${options.timeoutInMs} ms): ${(error as Error).message}`, { cause: error });
      }
      const text = await response.text().catch(() => "");
      let body: unknown = {};
      try {
        body = text === "" ? {} : JSON.parse(text);
      } catch {
        body = { message: text.slice(0, 200) };
      }
      // 409: the bank is still working on the first request with this key.
      if (response.status >= 500 || response.status === 429 || response.status === 408 || response.status === 409) {
        throw new TransientError(`Bank answered ${response.status}`);
      }
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
