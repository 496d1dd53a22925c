import { deterministicId } from "#src/platform/ids";
import { LedgerEntryDocument, TopUpDocument, newWallet } from "#src/services/ledger/documents";
import { initiateTopUp } from "#src/services/ledger/initiateTopUpHttp";
import { getTopUp, getWallet } from "#src/services/ledger/walletHttp";
import { A_FUNDING_SOURCE_ID, fixedNow } from "../../../support/events";
import { createInMemoryStore } from "../../../support/inMemoryStore";
import { callHttp, testRuntime } from "../users/httpHarness";

const withWallet = () => testRuntime("ledger", { settings: { walletCurrency: "EUR" as const } }, createInMemoryStore([newWallet("w-1", "EUR", fixedNow)]));
const topUp = (rt: ReturnType<typeof withWallet>, body: unknown, headers: Record<string, string> = {}, walletId = "w-1") =>
  callHttp(initiateTopUp, { method: "POST", url: `http://localhost/api/wallets/${walletId}/top-ups`, body, headers, params: { walletId } }, rt.runtime);
const good = { amount: 25.5, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID };

describe("POST /api/wallets/{walletId}/top-ups", () => {
  it("accepts a top-up: document and TopUpInitiated committed together, then published; 202 Initiated", async () => {
    const rt = withWallet();
    const response = await topUp(rt, good);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ topUpId: "generated-1", correlationId: expect.any(String), status: "Initiated" });
    expect(rt.store.commits[0]?.writes.map((w) => (w.op === "delete" ? "delete" : `${w.op}:${w.document.kind}`))).toEqual(["create:topUp", "create:outbox"]);
    expect(rt.publisher.published).toEqual([
      expect.objectContaining({
        type: "Wallet.TopUpInitiated.v2",
        correlationid: response.body.correlationId,
        data: { topUpId: "generated-1", walletId: "w-1", amount: 25.5, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID },
      }),
    ]);
    expect(rt.store.all().find((d) => d.kind === "topUp")).toMatchObject({ amountCents: 2550, status: "Initiated" });
  });

  it("answers a retried request (same Idempotency-Key, same body) with the same top-up and publishes nothing new", async () => {
    const rt = withWallet();
    const first = await topUp(rt, good, { "idempotency-key": "k-1" });
    const second = await topUp(rt, { fundingSourceId: A_FUNDING_SOURCE_ID, currency: "EUR", amount: 25.5 }, { "idempotency-key": "k-1" });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(first.body.topUpId).toBe(deterministicId("top-up", "w-1", "k-1"));
    expect(rt.publisher.published).toHaveLength(1);
    expect(rt.store.all().filter((d) => d.kind === "topUp")).toHaveLength(1);
  });

  it("refuses the same Idempotency-Key with another body (409) and writes nothing", async () => {
    const rt = withWallet();
    await topUp(rt, good, { "idempotency-key": "k-1" });
    const before = rt.store.all().length;
    const reused = await topUp(rt, { ...good, amount: 99 }, { "idempotency-key": "k-1" });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("TOPUP.IDEMPOTENCY_KEY_REUSED");
    expect(rt.store.all()).toHaveLength(before);
  });

  it("answers 404 for an unknown wallet and writes nothing", async () => {
    const rt = withWallet();
    const response = await topUp(rt, good, {}, "nobody");
    expect(response.status).toBe(404);
    expect(response.body.code).toBe("WALLET.NOT_FOUND");
    expect(rt.store.commits).toEqual([]);
  });

  it("refuses a currency other than the wallet's with 400 naming currency", async () => {
    const rt = withWallet();
    const response = await topUp(rt, { ...good, currency: "USD" });
    expect(response.status).toBe(400);
    expect(response.body.fields).toEqual([{ path: "currency", message: "must be EUR, the wallet's currency" }]);
    expect(rt.store.commits).toEqual([]);
  });

  it.each([
    ["a negative amount", { ...good, amount: -5 }, ["amount"]],
    ["a zero amount", { ...good, amount: 0 }, ["amount"]],
    ["a 3-decimal amount", { ...good, amount: 10.005 }, ["amount"]],
    ["an absurd amount", { ...good, amount: 1e12 }, ["amount"]],
    ["an amount as a string", { ...good, amount: "10" }, ["amount"]],
    ["an unknown currency", { ...good, currency: "XYZ" }, ["currency"]],
    ["a lower-case currency", { ...good, currency: "eur" }, ["currency"]],
    ["a missing funding source", { amount: 10, currency: "EUR" }, ["fundingSourceId"]],
    ["a bank token where the funding source goes", { ...good, fundingSourceId: "bank_ok" }, ["fundingSourceId"]],
    ["a bank token beside the funding source", { ...good, bankToken: "bank_ok" }, ["(body)"]],
    ["a funding source with odd characters", { ...good, fundingSourceId: `fs_${"B".repeat(31)}'` }, ["fundingSourceId"]],
    ["an extra field", { ...good, walletId: "other" }, ["(body)"]],
    ["null", null, ["(body)"]],
  ])("refuses %s with 400 problem+json naming the fields, and writes nothing", async (_what, body, fields) => {
    const rt = withWallet();
    const response = await topUp(rt, body);
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ "content-type": expect.stringContaining("application/problem+json") });
    expect(response.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(fields);
    expect(rt.store.commits).toEqual([]);
    expect(rt.publisher.published).toEqual([]);
  });

  it("refuses a malformed Idempotency-Key and wallet id", async () => {
    const rt = withWallet();
    expect((await topUp(rt, good, { "idempotency-key": "k".repeat(500) })).status).toBe(400);
    expect((await topUp(rt, good, {}, "../w-1")).status).toBe(400);
    expect(rt.store.commits).toEqual([]);
  });

  it("still accepts the top-up when Event Grid is down: the outbox keeps the event for the relay", async () => {
    const rt = withWallet();
    rt.publisher.failNext = 1;
    const response = await topUp(rt, good);
    expect(response.status).toBe(202);
    expect(rt.store.all().find((d) => d.kind === "outbox")).not.toHaveProperty("sentAt");
  });
});

describe("GET /api/wallets/{walletId} and its top-ups", () => {
  const entry = (entryId: string, amountCents: number, time: string): LedgerEntryDocument => ({
    id: `entry:${entryId}`, pk: "w-1", kind: "entry", walletId: "w-1", entryId, amountCents, currency: "EUR", reason: "TopUp", causationid: `evt-${entryId}`, time,
  });

  it("shows the balance in major units and the entries oldest first", async () => {
    const rt = testRuntime("ledger", {}, createInMemoryStore([{ ...newWallet("w-1", "EUR", fixedNow), balanceCents: 3550 }, entry("b", 2550, "2026-01-02T00:00:00Z"), entry("a", 1000, "2026-01-01T00:00:00Z")]));
    const response = await callHttp(getWallet, { method: "GET", url: "http://localhost/api/wallets/w-1", params: { walletId: "w-1" } }, rt.runtime);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      walletId: "w-1",
      balance: 35.5,
      currency: "EUR",
      entries: [
        { entryId: "a", amount: 10, reason: "TopUp", causationid: "evt-a", time: "2026-01-01T00:00:00Z" },
        { entryId: "b", amount: 25.5, reason: "TopUp", causationid: "evt-b", time: "2026-01-02T00:00:00Z" },
      ],
    });
  });

  it("answers 404 for an unknown wallet or top-up", async () => {
    const rt = withWallet();
    expect((await callHttp(getWallet, { method: "GET", url: "http://localhost/api/wallets/x", params: { walletId: "x" } }, rt.runtime)).status).toBe(404);
    const missing = await callHttp(getTopUp, { method: "GET", url: "http://localhost/x", params: { walletId: "w-1", topUpId: "t-9" } }, rt.runtime);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("TOPUP.NOT_FOUND");
  });

  it("shows a failed top-up with its reason", async () => {
    const failed: TopUpDocument = {
      id: "topUp:t-1", pk: "w-1", kind: "topUp", topUpId: "t-1", walletId: "w-1", amountCents: 500, currency: "EUR", status: "Failed",
      reason: "The bank declined the payment: Insufficient funds.", correlationId: "f", requestHash: "h", createdAt: "t", updatedAt: "t",
    };
    const rt = testRuntime("ledger", {}, createInMemoryStore([failed]));
    const response = await callHttp(getTopUp, { method: "GET", url: "http://localhost/x", params: { walletId: "w-1", topUpId: "t-1" } }, rt.runtime);
    expect(response.body).toEqual({ topUpId: "t-1", walletId: "w-1", amount: 5, currency: "EUR", status: "Failed", reason: "The bank declined the payment: Insufficient funds." });
  });
});
