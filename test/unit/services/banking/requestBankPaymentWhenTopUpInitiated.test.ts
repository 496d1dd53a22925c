import { TransientError } from "#src/platform/errors";
import { runReaction } from "#src/platform/reactions";
import { ServiceRuntime } from "#src/platform/runtime";
import { BankClient, BankPaymentOutcome } from "#src/services/banking/bankClient";
import { reconcileBankPayments } from "#src/services/banking/reconcileBankPayments";
import {
  BankPaymentDocument,
  requestBankPaymentWhenTopUpInitiated,
  settleBankPayment,
} from "#src/services/banking/requestBankPaymentWhenTopUpInitiated";
import { A_FUNDING_SOURCE_ID, anEvent, fixedNow } from "../../../support/events";
import { fundingSources } from "#src/services/banking/fundingSources";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const initiated = anEvent("Wallet.TopUpInitiated.v2", { topUpId: "t-1", walletId: "w-1", amount: 25.5, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID });

/** A store where banking keeps wallet w-1's bank token, and the top-up naming it (same event id as `initiated`). */
const keptBankAccount = async (owner = "w-1") => {
  const store = createInMemoryStore();
  const fundingSourceId = await fundingSources.keep(store, { owner, token: "bank_ok", now: fixedNow });
  return { store, event: { ...initiated, data: { ...initiated.data, fundingSourceId } } };
};

const intent: BankPaymentDocument = {
  id: "bankPayment:t-1", pk: "t-1", kind: "bankPayment", topUpId: "t-1", walletId: "w-1", status: "Requested", amount: 25.5, currency: "EUR",
  paymentKey: initiated.id, correlationId: "flow-1", causationId: initiated.id, updatedAt: "2026-01-01T00:00:00.000Z",
};

/** A bank that keeps what it executed by idempotency key, like the real one. */
const fakeBank = (answer: BankPaymentOutcome = { status: "succeeded", bankPaymentId: "bp_1" }) => {
  const executed = new Map<string, BankPaymentOutcome>();
  const calls: { idempotencyKey: string; reference: string }[] = [];
  const bank: BankClient & { calls: typeof calls; executed: typeof executed } = {
    calls,
    executed,
    async createPayment(payment, { idempotencyKey }) {
      calls.push({ idempotencyKey, reference: payment.reference });
      const first = executed.get(idempotencyKey) ?? answer;
      executed.set(idempotencyKey, first);
      return first;
    },
    async findPayment(idempotencyKey) {
      const found = executed.get(idempotencyKey);
      if (!found) return undefined;
      return found.status === "succeeded"
        ? { paymentId: found.bankPaymentId, idempotencyKey, status: "succeeded", amount: 25.5, reference: "t-1" }
        : { paymentId: "bp_declined", idempotencyKey, status: "declined", amount: 25.5, reference: "t-1" };
    },
  };
  return bank;
};

describe("banking: request the bank payment when a top-up is initiated", () => {
  it("given the bank paid, records it over the intent and publishes BankPaymentSucceeded", () => {
    const decision = settleBankPayment({ payment: intent, outcome: { status: "succeeded", bankPaymentId: "bp_1" } }, fixedNow);
    expect(decision.changes).toEqual([
      { put: expect.objectContaining({ status: "Succeeded", bankPaymentId: "bp_1", settledAt: fixedNow.toISOString() }) },
    ]);
    expect(decision.publish).toEqual([
      {
        type: "Banking.BankPaymentSucceeded.v1",
        subject: "wallets/w-1/top-ups/t-1",
        data: { topUpId: "t-1", walletId: "w-1", bankPaymentId: "bp_1", amount: 25.5, currency: "EUR" },
      },
    ]);
  });

  it("given the bank declined, records it and publishes BankPaymentDeclined with code and reason", () => {
    const decision = settleBankPayment({ payment: intent, outcome: { status: "declined", code: "insufficient_funds", reason: "Insufficient funds." } }, fixedNow);
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Declined", code: "insufficient_funds" }) }]);
    expect(decision.publish).toEqual([
      {
        type: "Banking.BankPaymentDeclined.v1",
        subject: "wallets/w-1/top-ups/t-1",
        data: { topUpId: "t-1", walletId: "w-1", code: "insufficient_funds", reason: "Insufficient funds." },
      },
    ]);
  });

  it("given the payment is already settled, does nothing", () => {
    expect(settleBankPayment({ payment: { ...intent, status: "Succeeded" }, outcome: undefined }, fixedNow)).toEqual({ changes: [], publish: [] });
  });

  it("records the intent (without the bank token) before the bank is called with the token the funding source keeps", async () => {
    const { store, event } = await keptBankAccount();
    const bank = fakeBank();
    let seen: BankPaymentDocument | undefined;
    let token: string | undefined;
    const observing: BankClient = {
      ...bank,
      createPayment: async (p, o) => ((seen = await store.readDocument<BankPaymentDocument>("bankPayment:t-1", "t-1")), (token = p.bankToken), bank.createPayment(p, o)),
    };
    await runReaction(requestBankPaymentWhenTopUpInitiated, event, { store, publisher: recordingPublisher(), ports: { bank: observing }, clock: () => fixedNow });
    expect(seen).toMatchObject({ status: "Requested", paymentKey: initiated.id });
    expect(JSON.stringify(seen)).not.toContain("bank_ok");
    expect(token).toBe("bank_ok");
  });

  it.each([
    ["a funding source banking does not keep", async () => ({ store: createInMemoryStore(), event: initiated }), /is not a fundingSource this service keeps/],
    ["the funding source of another wallet", () => keptBankAccount("w-2"), /belongs to another wallet/],
  ])("declines a top-up naming %s without asking the bank", async (_case, given, reason) => {
    const { store, event } = await given();
    const bank = fakeBank();
    const publisher = recordingPublisher();
    await runReaction(requestBankPaymentWhenTopUpInitiated, event, { store, publisher, ports: { bank }, clock: () => fixedNow });
    expect(bank.calls).toEqual([]);
    expect(publisher.published.map((e) => [e.type, e.data])).toEqual([
      ["Banking.BankPaymentDeclined.v1", { topUpId: "t-1", walletId: "w-1", code: "unknown_funding_source", reason: expect.stringMatching(reason) }],
    ]);
  });
});

describe("banking: a slow bank, a crash, then the retry or reconciliation", () => {
  it("asks again with the same idempotency key after a timeout and records one payment", async () => {
    const bank = fakeBank();
    let slow = true;
    const slowBank: BankClient = {
      ...bank,
      createPayment: async (payment, options) => {
        const answer = await bank.createPayment(payment, options);
        if (slow) {
          slow = false;
          throw new TransientError("Bank too slow");
        }
        return answer;
      },
    };
    const { store, event } = await keptBankAccount();
    const deps = { store, publisher: recordingPublisher(), ports: { bank: slowBank }, clock: () => fixedNow, backoff: async () => undefined };
    await expect(runReaction(requestBankPaymentWhenTopUpInitiated, event, deps)).rejects.toBeInstanceOf(TransientError);
    await runReaction(requestBankPaymentWhenTopUpInitiated, event, deps);
    await runReaction(requestBankPaymentWhenTopUpInitiated, event, deps);
    expect(bank.calls).toEqual([
      { idempotencyKey: initiated.id, reference: "t-1" },
      { idempotencyKey: initiated.id, reference: "t-1" },
    ]);
    expect(bank.executed.size).toBe(1);
    expect(deps.publisher.distinct().map((e) => e.type)).toEqual(["Banking.BankPaymentSucceeded.v1"]);
  });

  it("the bank paid and the process died, and the delivery never came back: reconciliation records and publishes it once", async () => {
    const { store, event } = await keptBankAccount();
    const publisher = recordingPublisher();
    const bank = fakeBank();
    const dying: BankClient = { ...bank, createPayment: async (p, o) => { await bank.createPayment(p, o); throw new Error("process died"); } };
    await expect(runReaction(requestBankPaymentWhenTopUpInitiated, event, { store, publisher, ports: { bank: dying }, clock: () => fixedNow })).rejects.toThrow();
    const rt = {
      service: "banking", store, publisher, ports: { bank }, clock: () => new Date(fixedNow.getTime() + 3_600_000), ids: { newId: () => "id" }, config: {},
    } as unknown as ServiceRuntime<{ bank: BankClient }>;
    expect(await reconcileBankPayments(rt, { graceInMs: 60_000 })).toEqual({ examined: 1, repaired: 1 });
    expect(await reconcileBankPayments(rt, { graceInMs: 60_000 })).toEqual({ examined: 0, repaired: 0 });
    expect(publisher.published.map((e) => [e.type, e.correlationid, e.causationid])).toEqual([["Banking.BankPaymentSucceeded.v1", "flow-1", initiated.id]]);
    expect(await store.readDocument("bankPayment:t-1", "t-1")).toMatchObject({ status: "Succeeded", bankPaymentId: "bp_1" });
  });
});
