import { EventData } from "#src/events/catalog";
import { runReaction } from "#src/platform/reactions";
import { creditWalletWhenFreeCreditsAssigned } from "#src/services/ledger/creditWalletWhenFreeCreditsAssigned";
import { LedgerEntryDocument, TopUpDocument, WalletDocument, newWallet } from "#src/services/ledger/documents";
import { settleTopUpWhenBankPaymentSettled } from "#src/services/ledger/settleTopUpWhenBankPaymentSettled";
import { anEvent, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const topUpDoc = (topUpId: string, amountCents: number): TopUpDocument => ({
  id: `topUp:${topUpId}`, pk: "w-1", kind: "topUp", topUpId, walletId: "w-1", amountCents, currency: "EUR", status: "Initiated",
  correlationId: "f", requestHash: "h", createdAt: "t0", updatedAt: "t0",
});

describe("ledger: every credit delivered twice, concurrently", () => {
  it("credits each grant and top-up once, and the balance equals the sum of the entries", async () => {
    const store = createInMemoryStore([newWallet("w-1", "EUR", fixedNow), topUpDoc("t-1", 2550), topUpDoc("t-2", 1), topUpDoc("t-3", 999)]);
    const publisher = recordingPublisher();
    const deps = { store, publisher, ports: {}, clock: () => fixedNow, backoff: async () => undefined };
    const grant = anEvent("Rewards.FreeCreditsAssigned.v1", { userId: "w-1", walletId: "w-1", grantId: "g-1", amount: 10, currency: "EUR" });
    const payments = ["t-1", "t-2", "t-3"].map((topUpId) => {
      const data: EventData<"Banking.BankPaymentSucceeded.v1"> = { topUpId, walletId: "w-1", bankPaymentId: `bp-${topUpId}`, amount: 1, currency: "EUR" };
      return anEvent("Banking.BankPaymentSucceeded.v1", data);
    });
    const runs = [grant, structuredClone(grant)].map((e) => runReaction(creditWalletWhenFreeCreditsAssigned, e, deps));
    // The same payment twice under different event ids too: a bank event re-published by a crashed relay gets a new delivery, not a new credit.
    const paymentCopies = payments.flatMap((p) => [p, structuredClone(p), { ...structuredClone(p), id: `${p.id}-again` }]);
    runs.push(...paymentCopies.map((e) => runReaction(settleTopUpWhenBankPaymentSettled, e, deps)));
    await Promise.all(runs);

    const docs = store.all();
    const entries = docs.filter((d): d is typeof d & LedgerEntryDocument => d.kind === "entry");
    const wallet = docs.find((d): d is typeof d & WalletDocument => d.kind === "wallet");
    expect(entries).toHaveLength(4);
    expect(wallet?.balanceCents).toBe(1000 + 2550 + 1 + 999);
    expect(wallet?.balanceCents).toBe(entries.reduce((sum, e) => sum + e.amountCents, 0));
    expect(publisher.distinct().filter((e) => e.type === "Wallet.WalletCredited.v1")).toHaveLength(4);
    expect(docs.filter((d) => d.kind === "topUp").map((d) => d["status"])).toEqual(["Succeeded", "Succeeded", "Succeeded"]);
  });
});
