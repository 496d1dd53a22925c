import { TransientError } from "#src/platform/errors";
import { CurrencyMismatchError } from "#src/services/ledger/creditWallet";
import { creditGrant } from "#src/services/ledger/creditWalletWhenFreeCreditsAssigned";
import { LedgerEntryDocument, TopUpDocument, WalletDocument, entryIdFor } from "#src/services/ledger/documents";
import { openWallet } from "#src/services/ledger/openWalletWhenUserSignedUp";
import { settleTopUp, settleTopUpWhenBankPaymentSettled } from "#src/services/ledger/settleTopUpWhenBankPaymentSettled";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";
import { createInMemoryStore } from "../../../support/inMemoryStore";
import { loadContextOf } from "../../../support/loadContext";

const now = fixedNow.toISOString();
const wallet = (balanceCents: number, currency: WalletDocument["currency"] = "EUR"): WalletDocument => ({
  id: "wallet", pk: "w-1", kind: "wallet", walletId: "w-1", currency, balanceCents, openedAt: "t0", updatedAt: "t0",
});
const topUp = (status: TopUpDocument["status"] = "Initiated"): TopUpDocument => ({
  id: "topUp:t-1", pk: "w-1", kind: "topUp", topUpId: "t-1", walletId: "w-1", amountCents: 2550, currency: "EUR", status,
  correlationId: "flow-2", requestHash: "h", createdAt: "t0", updatedAt: "t0",
});
const anEntry = (entryId: string): LedgerEntryDocument => ({
  id: `entry:${entryId}`, pk: "w-1", kind: "entry", walletId: "w-1", entryId, amountCents: 1000, currency: "EUR", reason: "FreeCredits", causationid: "x", time: "t0",
});

const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "w-1", email: "ada@example.com", name: "Ada" });
const granted = anEvent("Rewards.FreeCreditsAssigned.v1", { userId: "w-1", walletId: "w-1", grantId: "g-1", amount: 10, currency: "EUR" });
const paid = anEvent("Banking.BankPaymentSucceeded.v1", { topUpId: "t-1", walletId: "w-1", bankPaymentId: "bp_1", amount: 25.5, currency: "EUR" });
const declined = anEvent("Banking.BankPaymentDeclined.v1", { topUpId: "t-1", walletId: "w-1", code: "insufficient_funds", reason: "Insufficient funds." });

describe("ledger: open the wallet when a user signs up", () => {
  it("given no wallet, opens an empty one in the configured currency, id = user id", () => {
    expect(openWallet(signedUp, { wallet: undefined, currency: "EUR" }, decisionContext())).toEqual({
      changes: [{ put: { id: "wallet", pk: "w-1", kind: "wallet", walletId: "w-1", currency: "EUR", balanceCents: 0, openedAt: now, updatedAt: now } }],
      publish: [],
    });
  });

  it("given the wallet exists (a credit got there first), leaves it alone", () => {
    expect(openWallet(signedUp, { wallet: wallet(1000), currency: "EUR" }, decisionContext())).toEqual({ changes: [], publish: [] });
  });
});

describe("ledger: credit the wallet when free credits are assigned", () => {
  it("given a wallet, raises the balance, books an entry keyed by the grant and publishes WalletCredited", () => {
    const entryId = entryIdFor("FreeCredits", "g-1");
    const decision = creditGrant(granted, { wallet: wallet(250), entry: undefined }, decisionContext());
    expect(decision.changes).toEqual([
      { put: { id: "wallet", pk: "w-1", kind: "wallet", walletId: "w-1", currency: "EUR", balanceCents: 1250, openedAt: "t0", updatedAt: now } },
      {
        put: {
          id: `entry:${entryId}`, pk: "w-1", kind: "entry", walletId: "w-1", entryId, amountCents: 1000, currency: "EUR", reason: "FreeCredits",
          causationid: granted.id, time: now, grantId: "g-1",
        },
      },
    ]);
    expect(decision.publish).toEqual([
      {
        type: "Wallet.WalletCredited.v1",
        subject: "wallets/w-1",
        data: { walletId: "w-1", entryId, amount: 10, currency: "EUR", reason: "FreeCredits", balance: 12.5, grantId: "g-1" },
      },
    ]);
  });

  it("given the credits arrive before the wallet was opened, opens it with the credit", () => {
    const decision = creditGrant(granted, { wallet: undefined, entry: undefined }, decisionContext());
    expect(decision.changes[0]).toEqual({ put: expect.objectContaining({ id: "wallet", balanceCents: 1000, currency: "EUR" }) });
  });

  it("given the grant's entry exists, credits nothing (the grant was booked)", () => {
    expect(creditGrant(granted, { wallet: wallet(1000), entry: anEntry(entryIdFor("FreeCredits", "g-1")) }, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given a wallet in another currency, refuses to book rather than convert", () => {
    expect(() => creditGrant(granted, { wallet: wallet(0, "USD"), entry: undefined }, decisionContext())).toThrow(CurrencyMismatchError);
  });
});

describe("ledger: settle the top-up when the bank payment settles", () => {
  it("given an initiated top-up and the bank paid, marks it Succeeded and credits the accepted amount once", () => {
    const entryId = entryIdFor("TopUp", "t-1");
    const decision = settleTopUp(paid, { topUp: topUp(), wallet: wallet(1000), entry: undefined }, decisionContext());
    expect(decision.changes).toEqual([
      { put: expect.objectContaining({ status: "Succeeded", updatedAt: now }) },
      { put: expect.objectContaining({ balanceCents: 3550 }) },
      { put: expect.objectContaining({ entryId, amountCents: 2550, reason: "TopUp", topUpId: "t-1", causationid: paid.id }) },
    ]);
    expect(decision.publish).toEqual([
      {
        type: "Wallet.WalletCredited.v1",
        subject: "wallets/w-1",
        data: { walletId: "w-1", entryId, amount: 25.5, currency: "EUR", reason: "TopUp", balance: 35.5, topUpId: "t-1" },
      },
    ]);
  });

  it("given an initiated top-up and the bank declined, marks it Failed with the reason and publishes TopUpFailed", () => {
    const decision = settleTopUp(declined, { topUp: topUp(), wallet: wallet(1000), entry: undefined }, decisionContext());
    const reason = "The bank declined the payment: Insufficient funds.";
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Failed", reason }) }]);
    expect(decision.publish).toEqual([
      { type: "Wallet.TopUpFailed.v1", subject: "wallets/w-1/top-ups/t-1", data: { topUpId: "t-1", walletId: "w-1", reason } },
    ]);
  });

  it("given the top-up is already settled, changes nothing", () => {
    for (const status of ["Succeeded", "Failed"] as const) {
      for (const event of [paid, declined]) {
        expect(settleTopUp(event, { topUp: topUp(status), wallet: wallet(3550), entry: undefined }, decisionContext())).toEqual({ changes: [], publish: [] });
      }
    }
  });

  it("given the top-up is not visible (yet), loading throws TransientError so the paid amount is never dropped", async () => {
    await expect(settleTopUpWhenBankPaymentSettled.load(paid, loadContextOf(createInMemoryStore(), undefined))).rejects.toBeInstanceOf(TransientError);
  });
});
