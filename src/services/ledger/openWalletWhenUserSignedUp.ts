import { Currency } from "../../events/money";
import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, LoadContext, nothingToDo } from "../../platform/reactions";
import { LedgerPorts, WalletDocument, newWallet, walletDocumentSchema, WALLET_DOCUMENT_ID } from "./documents";

type UserSignedUp = ReactionEvent<"ledger", "openWalletWhenUserSignedUp">;

export interface OpenWalletState {
  readonly wallet: WalletDocument | undefined;
  readonly currency: Currency;
}

/** Every user gets an empty wallet (id = user id), so it can be read and topped up before any credit lands. */
export const openWallet = (event: UserSignedUp, state: OpenWalletState, context: DecisionContext): Decision =>
  state.wallet ? nothingToDo : { changes: [{ put: newWallet(event.data.userId, state.currency, context.now) }], publish: [] };

export const openWalletWhenUserSignedUp = defineReaction("ledger", "openWalletWhenUserSignedUp", {
  partitionKey: (event) => event.data.userId,
  load: async (event, { read, settings }: LoadContext<LedgerPorts>) => ({
    wallet: await read(walletDocumentSchema, WALLET_DOCUMENT_ID, event.data.userId),
    currency: settings.walletCurrency,
  }),
  decide: openWallet,
  tuning: {
    // Publishes nothing, and a wallet once open decides nothing again: no inbox record.
    dedupe: "idempotentState",
    // The signed-up user's wallet: new on a first delivery as a rule (a conflict makes the next attempt read it).
    readHints: [[walletDocumentSchema, "likelyNew"]],
  },
});
