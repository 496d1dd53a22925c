import { startDevServer, type DevServer } from "#dev/devServer";
import { createPaymentGatewaySimulator, type ExecutedCharge } from "#dev/simulators/paymentGateway";

describe("payment gateway simulator (through the dev server)", () => {
  let dev: DevServer;

  beforeAll(async () => {
    let seq = 0;
    dev = await startDevServer({
      port: 0,
      simulators: [
        createPaymentGatewaySimulator({
          now: () => new Date("2030-01-02T03:04:05.000Z"),
          newId: (prefix) => `${prefix}_${++seq}`,
        }),
      ],
      log: () => undefined,
    });
  });

  afterAll(() => dev.close());

  beforeEach(async () => {
    await fetch(`${dev.url}/dev/payments/reset`, { method: "POST" });
  });

  const post = async (path: string, body: unknown, key?: string) => {
    const response = await fetch(`${dev.url}/dev/payments${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const charge = (token: string, key: string | undefined, amount = 1250) =>
    post("/charges", { amount, currency: "EUR", token, reference: "order-1" }, key);
  const executed = async (): Promise<ExecutedCharge[]> =>
    (await (await fetch(`${dev.url}/dev/payments/charges`)).json()) as ExecutedCharge[];

  it("charges tok_visa and lists the executed charge", async () => {
    const answer = await charge("tok_visa", "k-visa");

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ chargeId: expect.stringMatching(/^ch_/), status: "succeeded", amount: 1250, currency: "EUR" });
    expect(await executed()).toEqual([
      expect.objectContaining({
        chargeId: answer.body["chargeId"],
        idempotencyKey: "k-visa",
        token: "tok_visa",
        amount: 1250,
        currency: "EUR",
        status: "succeeded",
        time: "2030-01-02T03:04:05.000Z",
      }),
    ]);
  });

  it("requires an Idempotency-Key and charges nothing without one", async () => {
    const answer = await charge("tok_visa", undefined);

    expect(answer.status).toBe(400);
    expect(answer.body["code"]).toBe("idempotency_key_required");
    expect(await executed()).toEqual([]);
  });

  it("declines tok_decline with 402 card_declined", async () => {
    const answer = await charge("tok_decline", "k-decline");

    expect(answer.status).toBe(402);
    expect(answer.body).toMatchObject({ status: "declined", code: "card_declined", message: expect.any(String) });
  });

  it("answers 402 invalid_token for an unknown token and executes nothing", async () => {
    const answer = await charge("tok_nope", "k-unknown");

    expect(answer.status).toBe(402);
    expect(answer.body["code"]).toBe("invalid_token");
    expect(await executed()).toEqual([]);
  });

  it("fails tok_flaky once per key with 503, then succeeds on the retry with the same key", async () => {
    const first = await charge("tok_flaky", "k-flaky");
    const second = await charge("tok_flaky", "k-flaky");
    const third = await charge("tok_flaky", "k-flaky");
    const otherKey = await charge("tok_flaky", "k-flaky-2");

    expect(first.status).toBe(503);
    expect(second.status).toBe(201);
    expect(third).toEqual(second);
    expect(otherKey.status).toBe(503);
    expect((await executed()).filter((c) => c.idempotencyKey === "k-flaky")).toHaveLength(1);
  });

  it("replays the first answer for a repeated key and never charges twice", async () => {
    const first = await charge("tok_visa", "k-repeat");
    const again = await charge("tok_visa", "k-repeat");
    const declined = await charge("tok_decline", "k-repeat-decline");
    const declinedAgain = await charge("tok_decline", "k-repeat-decline");

    expect(again).toEqual(first);
    expect(declinedAgain).toEqual(declined);
    expect((await executed()).map((c) => c.idempotencyKey)).toEqual(["k-repeat", "k-repeat-decline"]);
  });

  it("treats the same body with keys in another order as the same request", async () => {
    const first = await post("/charges", { amount: 5, currency: "EUR", token: "tok_visa" }, "k-order");
    const reordered = await post("/charges", { token: "tok_visa", currency: "EUR", amount: 5 }, "k-order");

    expect(reordered).toEqual(first);
  });

  it("answers 409 for a repeated key with a different body", async () => {
    await charge("tok_visa", "k-conflict", 100);
    const conflicting = await charge("tok_visa", "k-conflict", 200);

    expect(conflicting.status).toBe(409);
    expect(await executed()).toHaveLength(1);
  });

  it("answers 400 for an invalid charge without remembering it", async () => {
    const invalid = await post("/charges", { amount: -1, currency: "EUR", token: "tok_visa" }, "k-invalid");

    expect(invalid.status).toBe(400);
    expect(invalid.body["code"]).toBe("invalid_request");
  });

  it("refunds a charge once per key and refuses unknown charges", async () => {
    const charged = await charge("tok_visa", "k-to-refund", 1000);
    const chargeId = charged.body["chargeId"];

    const refund = await post("/refunds", { chargeId, amount: 400 }, "r-1");
    const replay = await post("/refunds", { chargeId, amount: 400 }, "r-1");
    const tooMuch = await post("/refunds", { chargeId, amount: 700 }, "r-2");
    const unknown = await post("/refunds", { chargeId: "ch_missing", amount: 1 }, "r-3");
    const noKey = await post("/refunds", { chargeId, amount: 1 });

    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ refundId: expect.stringMatching(/^re_/), status: "succeeded" });
    expect(replay).toEqual(refund);
    expect(tooMuch.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(noKey.status).toBe(400);
    const refunds = (await (await fetch(`${dev.url}/dev/payments/refunds`)).json()) as unknown[];
    expect(refunds).toEqual([expect.objectContaining({ chargeId, amount: 400, idempotencyKey: "r-1" })]);
  });

  it("forgets charges and keys on reset", async () => {
    const before = await charge("tok_visa", "k-reset");
    await fetch(`${dev.url}/dev/payments/reset`, { method: "POST" });
    const after = await charge("tok_visa", "k-reset");

    expect(after.status).toBe(201);
    expect(after.body["chargeId"]).not.toBe(before.body["chargeId"]);
    expect(await executed()).toHaveLength(1);
  });
});
