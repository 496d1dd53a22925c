import { startDevServer, type DevServer } from "#dev/devServer";
import { createBankSimulator, type BankPayment } from "#dev/simulators/bank";

describe("bank simulator (through the dev server)", () => {
  let dev: DevServer;

  beforeAll(async () => {
    let seq = 0;
    dev = await startDevServer({
      port: 0,
      simulators: [createBankSimulator({ now: () => new Date("2030-01-02T03:04:05.000Z"), newId: () => `bp_${++seq}`, slowResponseInMs: 300 })],
      log: () => undefined,
    });
  });
  afterAll(() => dev.close());
  beforeEach(async () => {
    await fetch(`${dev.url}/dev/bank/reset`, { method: "POST" });
  });

  const pay = async (bankToken: string, key: string | undefined, amount = 25.5, signal?: AbortSignal) => {
    const response = await fetch(`${dev.url}/dev/bank/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
      body: JSON.stringify({ amount, currency: "EUR", bankToken, reference: "t-1" }),
      signal,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const executed = async (): Promise<BankPayment[]> => (await (await fetch(`${dev.url}/dev/bank/payments`)).json()) as BankPayment[];

  it("pays bank_ok once and answers a repeated key with the first answer", async () => {
    const first = await pay("bank_ok", "k-1");
    const again = await pay("bank_ok", "k-1");
    expect(first).toEqual({ status: 201, body: { paymentId: "bp_1", status: "succeeded", amount: 25.5, currency: "EUR", reference: "t-1" } });
    expect(again).toEqual(first);
    expect(await executed()).toEqual([
      { paymentId: "bp_1", idempotencyKey: "k-1", bankToken: "bank_ok", amount: 25.5, currency: "EUR", reference: "t-1", status: "succeeded", attempts: 2, time: "2030-01-02T03:04:05.000Z" },
    ]);
  });

  it("declines bank_decline with 402 and a code", async () => {
    const answer = await pay("bank_decline", "k-2");
    expect(answer.status).toBe(402);
    expect(answer.body).toMatchObject({ status: "declined", code: "insufficient_funds" });
    expect((await executed()).map((p) => p.status)).toEqual(["declined"]);
  });

  it("answers bank_flaky's first attempt per key with 503 and executes nothing, then pays on the retry", async () => {
    expect((await pay("bank_flaky", "k-3")).status).toBe(503);
    expect(await executed()).toEqual([]);
    expect((await pay("bank_flaky", "k-3")).status).toBe(201);
    expect((await pay("bank_flaky", "k-4")).status).toBe(503);
    expect((await executed()).map((p) => p.idempotencyKey)).toEqual(["k-3"]);
  });

  it("executes bank_slow at once but answers the first attempt late; the retry gets the answer at once", async () => {
    const abandoned = pay("bank_slow", "k-5", 25.5, AbortSignal.timeout(100)).catch((e: unknown) => e);
    expect(await abandoned).toMatchObject({ name: "TimeoutError" });
    expect((await executed()).map((p) => p.attempts)).toEqual([1]);
    const retry = await pay("bank_slow", "k-5");
    expect(retry.status).toBe(201);
    const payments = await executed();
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ bankToken: "bank_slow", attempts: 2 });
  });

  it("declines an unknown token", async () => {
    expect(await pay("bank_mystery", "k-6")).toMatchObject({ status: 402, body: { code: "invalid_token" } });
  });

  it("requires an Idempotency-Key and a valid body, and pays nothing otherwise", async () => {
    expect((await pay("bank_ok", undefined)).status).toBe(400);
    expect((await pay("bank_ok", "k-7", -1)).status).toBe(400);
    expect(await executed()).toEqual([]);
  });

  it("refuses a key reused with another body, paying nothing more", async () => {
    await pay("bank_ok", "k-8", 10);
    expect(await pay("bank_ok", "k-8", 11)).toMatchObject({ status: 422, body: { code: "idempotency_key_reused" } });
    expect(await executed()).toHaveLength(1);
  });
});
