import { toCents } from "../../events/money";
import { readValid } from "../../platform/documentSchema";
import { ReactionEvent } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { LedgerEntryDocument, WalletDocument, entryDocumentId, entryIdFor, readWallet, ledgerEntryDocumentSchema } from "./documents";
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

export const creditWalletWhenFreeCreditsAssigned: Reaction<"ledger", "creditWalletWhenFreeCreditsAssigned", CreditGrantState> = {
  service: "ledger",
  name: "creditWalletWhenFreeCreditsAssigned",
  partitionKey: (event) => event.data.walletId,
  async load(event, { store }) {
    const { walletId, grantId } = event.data;
    const [wallet, entry] = await Promise.all([
      readWallet(store, walletId),
      // Named after the grant: new on a first delivery as a rule (a conflict makes the next attempt read it).
      readValid(store, ledgerEntryDocumentSchema, entryDocumentId(entryIdFor("FreeCredits", grantId)), walletId, { likelyNew: true }),
    ]);
    return { wallet, entry };
  },
  decide: creditGrant,
};
