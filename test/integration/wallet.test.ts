import { getJson, registerBankAccount, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";
import { A_FUNDING_SOURCE_ID } from "../support/events";

/**
 * Wallet top-ups end to end through the bank simulator: every bank token's outcome, redelivery of a whole flow, and
 * hostile input. The bank answers `bank_slow` after 1.5 s while the adapter gives up after 1 s.
 */
describe("wallet top-up on the local stack", () => {
  let stack: TestStack;
  let walletId: string;
  let email: string;

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    email = `wallet-${Date.now().toString(36)}@example.com`;
    const signUp = await sendJson("POST", `${stack.apiUrl}/users`, { email, name: "Grace Hopper" });
    walletId = signUp.body.userId;
    await waitFor(async () => {
      const w = await getJson(`${stack.apiUrl}/wallets/${walletId}`);
      return w.body?.balance === 10 ? w : undefined;
    }, { description: "the new user's wallet with its free credits", timeoutInMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const wallet = async () => (await getJson(`${stack.apiUrl}/wallets/${walletId}`)).body as { balance: number; currency: string; entries: any[] };
  const topUp = async (amount: number, bankToken: string, headers: Record<string, string> = {}) => {
    const fundingSourceId = await registerBankAccount(stack.apiUrl, walletId, bankToken);
    const response = await sendJson("POST", `${stack.apiUrl}/wallets/${walletId}/top-ups`, { amount, currency: "EUR", fundingSourceId }, headers);
    expect(response.status).toBe(202);
    expect(response.body.status).toBe("Initiated");
    return response.body as { topUpId: string; correlationId: string };
  };
  const settled = (topUpId: string) =>
    waitFor(async () => {
      const t = await getJson(`${stack.apiUrl}/wallets/${walletId}/top-ups/${topUpId}`);
      return t.body?.status && t.body.status !== "Initiated" ? t.body : undefined;
    }, { description: `top-up ${topUpId} settled`, timeoutInMs: 30_000 });
  const bankPayments = async (topUpId?: string) =>
    ((await getJson(`${stack.devUrl}/dev/bank/payments`)).body as any[]).filter((p) => topUpId === undefined || p.reference === topUpId);
  const notifications = async (subject: string) => ((await getJson(`${stack.devUrl}/dev/mailbox?to=${encodeURIComponent(email)}`)).body as any[]).filter((m) => m.subject === subject);
  const notified = (topUpId: string, subject: string) =>
    waitFor(async () => {
      const mails = (await notifications(subject)).filter((m) => m.plainText.includes(topUpId));
      return mails.length > 0 ? mails : undefined;
    }, { description: `"${subject}" email for ${topUpId}` });
  const flowOf = async (correlationId: string) => (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body as { events: any[]; poison: unknown[] | null };
  const sumOfEntries = (w: { entries: { amount: number }[] }) => Math.round(w.entries.reduce((s, e) => s + e.amount * 100, 0)) / 100;

  it("credits a bank_ok top-up once, tells the user, and keeps the balance equal to the sum of the entries", async () => {
    const before = await wallet();
    const { topUpId, correlationId } = await topUp(25.5, "bank_ok");
    expect(await settled(topUpId)).toEqual({ topUpId, walletId, amount: 25.5, currency: "EUR", status: "Succeeded" });
    const after = await wallet();
    expect(after.balance).toBeCloseTo(before.balance + 25.5, 2);
    expect(after.balance).toBe(sumOfEntries(after));
    expect(after.entries.filter((e) => e.reason === "TopUp")).toHaveLength(before.entries.filter((e) => e.reason === "TopUp").length + 1);
    expect(await bankPayments(topUpId)).toEqual([expect.objectContaining({ status: "succeeded", amount: 25.5, attempts: 1 })]);
    const mails = await notified(topUpId, "Your top-up arrived");
    expect(mails).toHaveLength(1);
    const flow = await waitFor(async () => {
      const f = await flowOf(correlationId);
      return f?.events?.some((e) => e.type === "Notifications.UserNotified.v1") ? f : undefined;
    }, { description: "top-up flow journaled" });
    expect(flow.events.map((e) => e.type)).toEqual([
      "Wallet.TopUpInitiated.v2",
      "Banking.BankPaymentSucceeded.v1",
      "Wallet.WalletCredited.v1",
      "Notifications.UserNotified.v1",
    ]);
  });

  it("fails a bank_decline top-up with the bank's reason, credits nothing, and tells the user", async () => {
    const before = await wallet();
    const { topUpId } = await topUp(40, "bank_decline");
    const result = await settled(topUpId);
    expect(result).toMatchObject({ status: "Failed", reason: expect.stringMatching(/declined.*Insufficient funds/) });
    expect(await wallet()).toEqual(before);
    expect(await notified(topUpId, "Your top-up failed")).toHaveLength(1);
  });

  it("succeeds with bank_flaky (503 first) after Event Grid's retry, charging once", async () => {
    const { topUpId } = await topUp(5, "bank_flaky");
    expect((await settled(topUpId)).status).toBe("Succeeded");
    expect(await bankPayments(topUpId)).toEqual([expect.objectContaining({ status: "succeeded", attempts: 1 })]);
  });

  it("succeeds with bank_slow (answer after the adapter's 1 s timeout): the retry gets the first answer, one charge", async () => {
    const before = await wallet();
    const { topUpId } = await topUp(7.25, "bank_slow");
    expect((await settled(topUpId)).status).toBe("Succeeded");
    expect(await bankPayments(topUpId)).toEqual([expect.objectContaining({ status: "succeeded", attempts: 2 })]);
    const after = await wallet();
    expect(after.balance).toBeCloseTo(before.balance + 7.25, 2);
    expect(after.balance).toBe(sumOfEntries(after));
  });

  it("answers a retried request (same Idempotency-Key) with the same top-up and a reused key with 409", async () => {
    const key = `key-${Date.now()}`;
    const first = await topUp(3, "bank_ok", { "Idempotency-Key": key });
    const again = await topUp(3, "bank_ok", { "Idempotency-Key": key });
    expect(again).toEqual(first);
    const reused = await sendJson("POST", `${stack.apiUrl}/wallets/${walletId}/top-ups`, { amount: 4, currency: "EUR", fundingSourceId: await registerBankAccount(stack.apiUrl, walletId) }, { "Idempotency-Key": key });
    expect(reused.status).toBe(409);
    await settled(first.topUpId);
    await stack.stack.eventGrid.idle(30_000);
    expect(await bankPayments(first.topUpId)).toHaveLength(1);
  });

  it("changes nothing when every event of a top-up is delivered twice: no second charge, credit or email", async () => {
    const { topUpId, correlationId } = await topUp(12, "bank_ok");
    await settled(topUpId);
    const flow = await waitFor(async () => {
      const f = await flowOf(correlationId);
      return f?.events?.length === 4 ? f : undefined;
    }, { description: "whole top-up flow journaled" });
    await stack.stack.eventGrid.idle(30_000);
    const walletBefore = await wallet();

    await stack.deliverAgain(flow.events);

    const initiatedId = flow.events[0].id;
    expect(stack.stack.eventGrid.deliveries().filter((d) => d.eventId === initiatedId && d.outcome === "Succeeded").length).toBeGreaterThanOrEqual(4);
    expect(await bankPayments(topUpId)).toEqual([expect.objectContaining({ attempts: 1 })]);
    expect(await wallet()).toEqual(walletBefore);
    expect((await notifications("Your top-up arrived")).filter((m) => m.plainText.includes(topUpId))).toEqual([expect.objectContaining({ submissions: 1 })]);
    expect((await flowOf(correlationId)).events).toHaveLength(4);
    // The copies were handled as duplicates, not refused as poison (the journal's redacted copies would be).
    expect((await flowOf(correlationId)).poison).toEqual([]);
  });

  it("refuses malformed and hostile top-ups with a 4xx naming the reason, and charges or writes nothing", async () => {
    const before = await wallet();
    const paymentsBefore = (await bankPayments()).length;
    const url = `${stack.apiUrl}/wallets/${walletId}/top-ups`;
    const cases: [string, unknown, number, RegExp, Record<string, string>?][] = [
      [url, { amount: -10, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /amount/],
      [url, { amount: 0, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /amount/],
      [url, { amount: 10.005, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /decimals/],
      [url, { amount: "10", currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /amount/],
      [url, { amount: 1e15, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /amount/],
      [url, { amount: 10, currency: "XYZ", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /currency/],
      [url, { amount: 10, currency: "USD", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /currency.*EUR/],
      [url, { amount: 10, currency: "EUR" }, 400, /fundingSourceId/],
      [url, { amount: 10, currency: "EUR", fundingSourceId: "bank_ok" }, 400, /fundingSourceId/],
      [url, { amount: 10, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID, walletId: "someone-else" }, 400, /walletId|Unrecognized/i],
      [url, { amount: 10, currency: "EUR", fundingSourceId: "t".repeat(70_000) }, 413, /exceeds/],
      [url, "{not json", 400, /JSON/],
      [url, { amount: 10, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 400, /Idempotency-Key/, { "Idempotency-Key": "k".repeat(300) }],
      [`${stack.apiUrl}/wallets/no-such-wallet/top-ups`, { amount: 10, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }, 404, /no-such-wallet/],
    ];
    for (const [target, body, status, reason, headers] of cases) {
      const response = await sendJson("POST", target, body, headers);
      const label = JSON.stringify(body).slice(0, 60);
      expect({ label, status: response.status }).toEqual({ label, status });
      expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(response.body)).toMatch(reason);
    }
    expect((await getJson(`${stack.apiUrl}/wallets/no-such-wallet`)).status).toBe(404);
    expect((await getJson(`${stack.apiUrl}/wallets/${walletId}/top-ups/no-such-top-up`)).status).toBe(404);
    await stack.stack.eventGrid.idle(10_000);
    expect(await wallet()).toEqual(before);
    expect((await bankPayments()).length).toBe(paymentsBefore);
  });
});
