import { TransientError } from "#src/platform/errors";
import { bankingService } from "#src/services/banking";
import { createHttpBankClient } from "#src/services/banking/bankClient";

const response = (status: number, body: unknown = {}) => new Response(JSON.stringify(body), { status });
const payment = { amount: 25.5, currency: "EUR", bankToken: "bank_ok", reference: "t-1" };
const client = (fetch: jest.Mock, apiKey?: string) => createHttpBankClient({ baseUrl: "http://bank.test/", apiKey, timeoutInMs: 1000, fetch });

describe("HTTP bank adapter", () => {
  it("POSTs /payments with the event id as Idempotency-Key", async () => {
    const fetch = jest.fn(async () => response(201, { paymentId: "bp_1", status: "succeeded" }));
    await expect(client(fetch, "key-1").createPayment(payment, { idempotencyKey: "evt-1" })).resolves.toEqual({ status: "succeeded", bankPaymentId: "bp_1" });
    expect(fetch).toHaveBeenCalledWith(
      "http://bank.test/payments",
      expect.objectContaining({
        method: "POST",
        headers: expect.objectContaining({ "idempotency-key": "evt-1", authorization: "Bearer key-1" }),
        body: JSON.stringify(payment),
      }),
    );
  });

  it("sends no authorization header without a key", async () => {
    const fetch = jest.fn(async () => response(201, { paymentId: "bp_1" }));
    await client(fetch).createPayment(payment, { idempotencyKey: "evt-1" });
    expect((fetch.mock.calls[0] as unknown as [string, { headers: Record<string, string> }])[1].headers).not.toHaveProperty("authorization");
  });

  it("reports 402 as a decline with the bank's code and message", async () => {
    const fetch = jest.fn(async () => response(402, { code: "insufficient_funds", message: "Insufficient funds." }));
    await expect(client(fetch).createPayment(payment, { idempotencyKey: "k" })).resolves.toEqual({ status: "declined", code: "insufficient_funds", reason: "Insufficient funds." });
  });

  it("reports a 402 without details as a generic decline", async () => {
    await expect(client(jest.fn(async () => new Response("nope", { status: 402 }))).createPayment(payment, { idempotencyKey: "k" })).resolves.toEqual({
      status: "declined",
      code: "declined",
      reason: "nope",
    });
  });

  it.each([500, 503, 429, 408, 409])("makes %s a TransientError", async (status) => {
    await expect(client(jest.fn(async () => response(status))).createPayment(payment, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
  });

  it("makes a timeout a TransientError, naming the timeout", async () => {
    const fetch = jest.fn(async () => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    });
    await expect(client(fetch).createPayment(payment, { idempotencyKey: "k" })).rejects.toThrow(/1000 ms/);
  });

  it("gives up the call when the timeout passes", async () => {
    const fetch = jest.fn(
      (_url: string, init: { signal: AbortSignal }) =>
        new Promise<Response>((_resolve, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason))),
    );
    const slow = createHttpBankClient({ baseUrl: "http://bank.test", timeoutInMs: 20, fetch: fetch as unknown as typeof globalThis.fetch });
    await expect(slow.createPayment(payment, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
  });

  it.each([400, 401, 422])("fails loudly on %s (our request or key is wrong)", async (status) => {
    const error = await client(jest.fn(async () => response(status))).createPayment(payment, { idempotencyKey: "k" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
  });

  it("fails on a success without a payment id", async () => {
    await expect(client(jest.fn(async () => response(201, {}))).createPayment(payment, { idempotencyKey: "k" })).rejects.toThrow(/paymentId/);
  });
});

describe("banking settings", () => {
  const create = (env: NodeJS.ProcessEnv) => bankingService.createPorts(env, () => {
    throw new Error("unused");
  });
  it("requires BANK_API_URL and keeps BANK_API_TIMEOUT_MS under Event Grid's 30 s", () => {
    expect(() => create({})).toThrow(/BANK_API_URL/);
    expect(() => create({ BANK_API_URL: "http://bank.test", BANK_API_TIMEOUT_MS: "30000" })).toThrow(/BANK_API_TIMEOUT_MS/);
    expect(() => create({ BANK_API_URL: "http://bank.test", BANK_API_TIMEOUT_MS: "1000" })).not.toThrow();
  });
});
