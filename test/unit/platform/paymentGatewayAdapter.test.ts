import { TransientError } from "#src/platform/errors";
import { createHttpPaymentGateway } from "#src/services/payments/paymentGateway";

const respond = (status: number, body: unknown) => jest.fn().mockResolvedValue(new Response(JSON.stringify(body), { status }));

describe("HTTP payment gateway adapter", () => {
  const request = { amount: 25, currency: "EUR", token: "tok_visa", reference: "o-1" };

  it("posts the charge with the idempotency key and returns the charge id", async () => {
    const fetch = respond(201, { chargeId: "ch_1" });
    const gateway = createHttpPaymentGateway({ baseUrl: "http://gw/", apiKey: "k", timeoutInMs: 1000, fetch });
    await expect(gateway.charge(request, { idempotencyKey: "evt-1" })).resolves.toEqual({ status: "succeeded", chargeId: "ch_1" });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("http://gw/charges");
    expect(init.headers).toMatchObject({ "idempotency-key": "evt-1", authorization: "Bearer k" });
    expect(JSON.parse(init.body)).toEqual(request);
  });

  it("maps 402 to a decline with the gateway's code", async () => {
    const gateway = createHttpPaymentGateway({ baseUrl: "http://gw", timeoutInMs: 1000, fetch: respond(402, { code: "card_declined", message: "no" }) });
    await expect(gateway.charge(request, { idempotencyKey: "k" })).resolves.toEqual({ status: "declined", code: "card_declined", message: "no" });
  });

  it.each([500, 503, 429])("treats %i as transient, so the event is redelivered", async (status) => {
    const gateway = createHttpPaymentGateway({ baseUrl: "http://gw", timeoutInMs: 1000, fetch: respond(status, {}) });
    await expect(gateway.charge(request, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
  });

  it("treats a network failure or a timeout as transient", async () => {
    const failing = createHttpPaymentGateway({ baseUrl: "http://gw", timeoutInMs: 1000, fetch: jest.fn().mockRejectedValue(new TypeError("fetch failed")) });
    await expect(failing.charge(request, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
    const slow = jest.fn((_url: string, init: RequestInit) => new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason))));
    const timingOut = createHttpPaymentGateway({ baseUrl: "http://gw", timeoutInMs: 20, fetch: slow as unknown as typeof fetch });
    await expect(timingOut.charge(request, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
  });

  it("fails loudly (not transient) on a 400, which is a bug on our side", async () => {
    const gateway = createHttpPaymentGateway({ baseUrl: "http://gw", timeoutInMs: 1000, fetch: respond(400, { message: "bad" }) });
    const error = await gateway.charge(request, { idempotencyKey: "k" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
  });

  it("refunds with the idempotency key", async () => {
    const fetch = respond(201, { refundId: "re_1" });
    const gateway = createHttpPaymentGateway({ baseUrl: "http://gw", timeoutInMs: 1000, fetch });
    await expect(gateway.refund({ chargeId: "ch_1", amount: 25 }, { idempotencyKey: "evt-2" })).resolves.toEqual({ refundId: "re_1" });
    expect(fetch.mock.calls[0]![0]).toBe("http://gw/refunds");
  });
});
