import { TransientError } from "../../../../src/platform/errors";
import { runReaction } from "../../../../src/platform/reaction";
import { BankClient } from "../../../../src/services/banking/bankClient";
import {
  BankPaymentDocument,
  recordBankPayment,
  requestBankPaymentWhenTopUpInitiated,
} from "../../../../src/services/banking/requestBankPaymentWhenTopUpInitiated";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const initiated = anEvent("Wallet.TopUpInitiated.v1", { topUpId: "t-1", walletId: "w-1", amount: 25.5, currency: "EUR", bankToken: "bank_ok" });

describe("banking: request the bank payment when a top-up is initiated", () => {
  it("given the bank paid, records it and publishes BankPaymentSucceeded", () => {
    const decision = recordBankPayment(initiated, { payment: undefined, outcome: { status: "succeeded", bankPaymentId: "bp_1" } }, decisionContext());
    expect(decision.writes).toEqual([
      {
        op: "create",
        document: {
          id: "bankPayment:t-1", pk: "t-1", kind: "bankPayment", topUpId: "t-1", walletId: "w-1", amount: 25.5, currency: "EUR",
          status: "Succeeded", bankPaymentId: "bp_1", settledAt: fixedNow.toISOString(),
        },
      },
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
    const decision = recordBankPayment(initiated, { payment: undefined, outcome: { status: "declined", code: "insufficient_funds", reason: "Insufficient funds." } }, decisionContext());
    expect(decision.writes).toEqual([{ op: "create", document: expect.objectContaining({ status: "Declined", code: "insufficient_funds" }) }]);
    expect(decision.publish).toEqual([
      {
        type: "Banking.BankPaymentDeclined.v1",
        subject: "wallets/w-1/top-ups/t-1",
        data: { topUpId: "t-1", walletId: "w-1", code: "insufficient_funds", reason: "Insufficient funds." },
      },
    ]);
  });

  it("given the payment is already recorded, does nothing", () => {
    const payment: BankPaymentDocument = {
      id: "bankPayment:t-1", pk: "t-1", kind: "bankPayment", topUpId: "t-1", walletId: "w-1", status: "Succeeded", amount: 25.5, currency: "EUR", settledAt: "t",
    };
    expect(recordBankPayment(initiated, { payment, outcome: undefined }, decisionContext())).toEqual({ writes: [], publish: [] });
  });
});

describe("banking: a slow bank, then the retry", () => {
  it("asks again with the same idempotency key after a timeout and records one payment", async () => {
    const calls: { idempotencyKey: string; reference: string }[] = [];
    let slow = true;
    const bank: BankClient = {
      createPayment: async (payment, { idempotencyKey }) => {
        calls.push({ idempotencyKey, reference: payment.reference });
        if (slow) {
          slow = false;
          throw new TransientError("Bank too slow");
        }
        return { status: "succeeded", bankPaymentId: "bp_1" };
      },
    };
    const deps = { store: createInMemoryStore(), publisher: recordingPublisher(), ports: { bank }, clock: () => fixedNow, backoff: async () => undefined };
    await expect(runReaction(requestBankPaymentWhenTopUpInitiated, initiated, deps)).rejects.toBeInstanceOf(TransientError);
    await runReaction(requestBankPaymentWhenTopUpInitiated, initiated, deps);
    await runReaction(requestBankPaymentWhenTopUpInitiated, initiated, deps);
    expect(calls).toEqual([
      { idempotencyKey: initiated.id, reference: "t-1" },
      { idempotencyKey: initiated.id, reference: "t-1" },
    ]);
    expect(deps.publisher.published.map((e) => e.type)).toEqual(["Banking.BankPaymentSucceeded.v1"]);
  });
});
