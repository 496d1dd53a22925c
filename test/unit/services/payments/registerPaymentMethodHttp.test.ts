import { paymentMethodIdSchema, fundingSourceIdSchema } from "#src/events/tokenReferences";
import { fundingSources, registerFundingSource } from "#src/services/banking/fundingSources";
import { paymentMethods, registerPaymentMethod } from "#src/services/payments/paymentMethods";
import { StoredDocument } from "#src/platform/store";
import { callHttp, testRuntime } from "../users/httpHarness";

const register = (rt: ReturnType<typeof testRuntime>, body: unknown, headers: Record<string, string> = {}) =>
  callHttp(registerPaymentMethod, { method: "POST", url: "http://localhost/api/payment-methods", body, headers }, rt.runtime);
const good = { customerId: "c-1", paymentToken: "tok_visa" };
const kept = (rt: ReturnType<typeof testRuntime>) => rt.store.all().filter((d: StoredDocument) => d.kind === paymentMethods.kind);
const resolveWith = (rt: ReturnType<typeof testRuntime>) => (_schema: unknown, id: string, pk: string) => rt.store.readDocument(id, pk);

describe("POST /api/payment-methods", () => {
  it("keeps the card token in payments' store and answers 201 with an opaque reference that resolves to it", async () => {
    const rt = testRuntime("payments", {});
    const response = await register(rt, good);
    expect(response.status).toBe(201);
    const { paymentMethodId } = response.body as { paymentMethodId: string };
    expect(paymentMethodIdSchema.safeParse(paymentMethodId).success).toBe(true);
    expect(paymentMethodId).not.toContain("tok_visa");
    expect(await paymentMethods.resolve(resolveWith(rt) as never, paymentMethodId, "c-1")).toEqual({ token: "tok_visa" });
    expect(rt.publisher.published).toEqual([]);
  });

  it("answers two registrations of the same card without a key with two different, unguessable references", async () => {
    const rt = testRuntime("payments", {});
    const [a, b] = [await register(rt, good), await register(rt, good)];
    expect(a.body.paymentMethodId).not.toBe(b.body.paymentMethodId);
  });

  it("answers a retried request (same Idempotency-Key, same body) with the same reference and keeps the token once", async () => {
    const rt = testRuntime("payments", {});
    const first = await register(rt, good, { "idempotency-key": "k-1" });
    const second = await register(rt, { paymentToken: "tok_visa", customerId: "c-1" }, { "idempotency-key": "k-1" });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    expect(kept(rt)).toHaveLength(1);
  });

  it("keeps a reference whose request record was written by a process that died before the token was kept", async () => {
    const rt = testRuntime("payments", {});
    const first = await register(rt, good, { "idempotency-key": "k-1" });
    const keptDocument = kept(rt)[0]!;
    await rt.store.commit(keptDocument.pk, [{ op: "delete", id: keptDocument.id }]);
    const retried = await register(rt, good, { "idempotency-key": "k-1" });
    expect(retried.body).toEqual(first.body);
    expect(await paymentMethods.resolve(resolveWith(rt) as never, first.body.paymentMethodId, "c-1")).toEqual({ token: "tok_visa" });
  });

  it("refuses the same Idempotency-Key with another card (409) and keeps nothing more", async () => {
    const rt = testRuntime("payments", {});
    await register(rt, good, { "idempotency-key": "k-1" });
    const before = rt.store.all().length;
    const reused = await register(rt, { ...good, paymentToken: "tok_other" }, { "idempotency-key": "k-1" });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("PAYMENT_METHOD.IDEMPOTENCY_KEY_REUSED");
    expect(rt.store.all()).toHaveLength(before);
  });

  it("scopes an Idempotency-Key to its customer: another customer's same key is another registration", async () => {
    const rt = testRuntime("payments", {});
    const mine = await register(rt, good, { "idempotency-key": "k-1" });
    const theirs = await register(rt, { ...good, customerId: "c-2" }, { "idempotency-key": "k-1" });
    expect(theirs.status).toBe(201);
    expect(theirs.body.paymentMethodId).not.toBe(mine.body.paymentMethodId);
  });

  it.each([
    ["no token", { customerId: "c-1" }, /paymentToken/],
    ["an empty token", { customerId: "c-1", paymentToken: "" }, /paymentToken/],
    ["no customer", { paymentToken: "tok_visa" }, /customerId/],
    ["an unknown field", { ...good, cardNumber: "4242424242424242" }, /cardNumber/],
  ])("refuses %s with 400 problem+json naming the field, and keeps nothing", async (_case, body, field) => {
    const rt = testRuntime("payments", {});
    const response = await register(rt, body);
    expect(response.status).toBe(400);
    expect((response.headers as Record<string, string>)["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(response.body)).toMatch(field);
    expect(rt.store.all()).toEqual([]);
  });

  it("refuses a malformed Idempotency-Key with 400", async () => {
    const rt = testRuntime("payments", {});
    const response = await register(rt, good, { "idempotency-key": "x".repeat(1_000) });
    expect(response.status).toBe(400);
    expect(rt.store.all()).toEqual([]);
  });
});

describe("POST /api/funding-sources", () => {
  const registerBank = (rt: ReturnType<typeof testRuntime>, body: unknown, headers: Record<string, string> = {}) =>
    callHttp(registerFundingSource, { method: "POST", url: "http://localhost/api/funding-sources", body, headers }, rt.runtime);

  it("keeps the bank token in banking's store: 201 with a reference, the same one for a retry, 409 for a reused key", async () => {
    const rt = testRuntime("banking", {});
    const first = await registerBank(rt, { walletId: "w-1", bankToken: "bank_ok" }, { "idempotency-key": "k-1" });
    expect(first.status).toBe(201);
    expect(fundingSourceIdSchema.safeParse(first.body.fundingSourceId).success).toBe(true);
    expect((await registerBank(rt, { walletId: "w-1", bankToken: "bank_ok" }, { "idempotency-key": "k-1" })).body).toEqual(first.body);
    const reused = await registerBank(rt, { walletId: "w-1", bankToken: "bank_other" }, { "idempotency-key": "k-1" });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("FUNDING_SOURCE.IDEMPOTENCY_KEY_REUSED");
    expect(await fundingSources.resolve(resolveWith(rt) as never, first.body.fundingSourceId, "w-1")).toEqual({ token: "bank_ok" });
  });

  it("refuses a bank token with characters a bank token never has (400)", async () => {
    const rt = testRuntime("banking", {});
    expect((await registerBank(rt, { walletId: "w-1", bankToken: "bank ok" })).status).toBe(400);
  });
});
