import { toCents } from "../../events/money";
import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { LedgerEntryDocument, WALLET_DOCUMENT_ID, WalletDocument, entryDocumentId, entryIdFor, ledgerEntryDocumentSchema, walletDocumentSchema } from "./documents";
import { creditWallet } from "./creditWallet";

type FreeCreditsAssigned = ReactionEvent<"ledger", "creditWalletWhenFreeCreditsAssigned">;

export interface CreditGrantState {
  readonly wallet: WalletDocument | undefined;
  readonly entry: LedgerEntryDocument | undefined;
}

export const creditGrant = (event: FreeCreditsAssigned, state: CreditGrantState, context: DecisionContext): Decision => {
  const { walletId, grantId, amount, currency } = event.data;
  const credit = creditWallet(
    state.wallet,
    state.entry,
    { walletId, entryId: entryIdFor("FreeCredits", grantId), amountCents: toCents(amount), currency, reason: "FreeCredits", causationid: event.id, grantId },
    context.now,
  );
  return credit ? { changes: credit.changes, publish: [credit.event] } : nothingToDo;
};

export const creditWalletWhenFreeCreditsAssigned = defineReaction("ledger", "creditWalletWhenFreeCreditsAssigned", {
  partitionKey: (event) => event.data.walletId,
  async load(event, { read }) {
    const { walletId, grantId } = event.data;
    const [wallet, entry] = await Promise.all([
      read(walletDocumentSchema, WALLET_DOCUMENT_ID, walletId),
      read(ledgerEntryDocumentSchema, entryDocumentId(entryIdFor("FreeCredits", grantId)), walletId),
    ]);
    return { wallet, entry };
  },
  decide: creditGrant,
  // The entry is named after the grant: new on a first delivery as a rule (a conflict makes the next attempt read it).
  tuning: { readHints: [[ledgerEntryDocumentSchema, "likelyNew"]] },
});
