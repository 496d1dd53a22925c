import { Currency } from "../../events/money";
import { ReactionEvent } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { WalletDocument, newWallet, readWallet } from "./documents";

type UserSignedUp = ReactionEvent<"ledger", "openWalletWhenUserSignedUp">;

export interface OpenWalletState {
  readonly wallet: WalletDocument | undefined;
  readonly currency: Currency;
}

/** Every user gets an empty wallet (id = user id), so it can be read and topped up before any credit lands. */
export const openWallet = (event: UserSignedUp, state: OpenWalletState, context: DecisionContext): Decision =>
  state.wallet ? nothingToDo : { changes: [{ put: newWallet(event.data.userId, state.currency, context.now) }], publish: [] };

export const openWalletWhenUserSignedUp: Reaction<"ledger", "openWalletWhenUserSignedUp", OpenWalletState, { walletCurrency: Currency }> = {
  service: "ledger",
  name: "openWalletWhenUserSignedUp",
  partitionKey: (event) => event.data.userId,
  // The signed-up user's wallet: new on a first delivery as a rule (a conflict makes the next attempt read it).
  load: async (event, { store, ports }) => ({ wallet: await readWallet(store, event.data.userId, { likelyNew: true }), currency: ports.walletCurrency }),
  decide: openWallet,
  // Publishes nothing, and a wallet once open decides nothing again: no inbox record.
  dedupe: "idempotentState",
};
