import { startDevServer, type DevServer } from "#dev/devServer";
import { createSimulators } from "#dev/simulators";
import { createHttpBankClient } from "#src/services/banking/bankClient";
import { createHttpPaymentGateway, refundKeyOf } from "#src/services/payments/paymentGateway";

/** The adapters' reconciliation calls against the simulators, over real HTTP: what a real gateway and bank offer. */
describe("finding again what an outside system did under an idempotency key", () => {
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDevServer({ port: 0, simulators: createSimulators(), log: () => undefined });
  });
  afterAll(() => dev.close());

  it("the gateway adapter finds a charge by key, lists a window, and refunds under one key once", async () => {
    const gateway = createHttpPaymentGateway({ baseUrl: `${dev.url}/dev/payments`, timeoutInMs: 2000 });
    const key = `order-placed-${Date.now()}`;
    expect(await gateway.findCharge(key)).toBeUndefined();
    const before = new Date(Date.now() - 1000);
    const charge = await gateway.charge({ amount: 12.5, currency: "EUR", token: "tok_visa", reference: "o-reco" }, { idempotencyKey: key });
    if (charge.status !== "succeeded") throw new Error("expected a charge");
    expect(await gateway.findCharge(key)).toMatchObject({ chargeId: charge.chargeId, status: "succeeded", amount: 12.5, refundedAmount: 0, reference: "o-reco" });
    const window = await gateway.listCharges({ createdFrom: before, createdTo: new Date(Date.now() + 1000) });
    expect(window.map((c) => c.chargeId)).toContain(charge.chargeId);
    expect(await gateway.listCharges({ createdFrom: new Date(0), createdTo: new Date(1000) })).toEqual([]);

    const refund = { chargeId: charge.chargeId, amount: 12.5 };
    const first = await gateway.refund(refund, { idempotencyKey: refundKeyOf(charge.chargeId) });
    const again = await gateway.refund(refund, { idempotencyKey: refundKeyOf(charge.chargeId) });
    expect(again).toEqual(first);
    expect(await gateway.findCharge(key)).toMatchObject({ refundedAmount: 12.5 });
  });

  it("the bank adapter finds a payment by key, and nothing under a key never used", async () => {
    const bank = createHttpBankClient({ baseUrl: `${dev.url}/dev/bank`, timeoutInMs: 2000 });
    const key = `top-up-${Date.now()}`;
    const outcome = await bank.createPayment({ amount: 7, currency: "EUR", bankToken: "bank_ok", reference: "t-reco" }, { idempotencyKey: key });
    if (outcome.status !== "succeeded") throw new Error("expected a payment");
    expect(await bank.findPayment(key)).toMatchObject({ paymentId: outcome.bankPaymentId, status: "succeeded", amount: 7, reference: "t-reco" });
    expect(await bank.findPayment(`${key}-unused`)).toBeUndefined();
  });
});
