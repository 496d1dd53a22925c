import { TransientError } from "../../platform/errors";
import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import {
  LedgerEntryDocument,
  TopUpDocument,
  WALLET_DOCUMENT_ID,
  WalletDocument,
  entryDocumentId,
  entryIdFor,
  topUpDocumentId,
  topUpDocumentSchema,
  ledgerEntryDocumentSchema,
  walletDocumentSchema,
} from "./documents";
import { creditWallet } from "./creditWallet";

type BankPaymentSettled = ReactionEvent<"ledger", "settleTopUpWhenBankPaymentSettled">;

export interface SettleTopUpState {
  readonly topUp: TopUpDocument;
  readonly wallet: WalletDocument | undefined;
  readonly entry: LedgerEntryDocument | undefined;
}

/** Credits a paid top-up or marks a declined one failed; only an Initiated top-up moves, so a redelivery changes nothing. */
export const settleTopUp = (event: BankPaymentSettled, state: SettleTopUpState, context: DecisionContext): Decision => {
  const { topUp } = state;
  if (topUp.status !== "Initiated") return nothingToDo;
  const updatedAt = context.now.toISOString();
  const { topUpId, walletId } = topUp;
  switch (event.type) {
    case "Banking.BankPaymentSucceeded.v1": {
      // The top-up as accepted is what is credited, whatever amount the event echoes.
      const credit = creditWallet(
        state.wallet,
        state.entry,
        { walletId, entryId: entryIdFor("TopUp", topUpId), amountCents: topUp.amountCents, currency: topUp.currency, reason: "TopUp", causationid: event.id, topUpId },
        context.now,
      );
      return {
        changes: [{ put: { ...topUp, status: "Succeeded", updatedAt } }, ...(credit?.changes ?? [])],
        publish: credit ? [credit.event] : [],
      };
    }
    case "Banking.BankPaymentDeclined.v1": {
      const reason = `The bank declined the payment: ${event.data.reason}`.slice(0, 500);
      return {
        changes: [{ put: { ...topUp, status: "Failed", reason, updatedAt } }],
        publish: [{ type: "Wallet.TopUpFailed.v1", subject: `wallets/${walletId}/top-ups/${topUpId}`, data: { topUpId, walletId, reason } }],
      };
    }
    default: {
      const never: never = event;
      throw new Error(`Unhandled event ${(never as { type: string }).type}`);
    }
  }
};

export const settleTopUpWhenBankPaymentSettled = defineReaction("ledger", "settleTopUpWhenBankPaymentSettled", {
  partitionKey: (event) => event.data.walletId,
  async load(event, { read }) {
    const { walletId, topUpId } = event.data;
    const [topUp, wallet, entry] = await Promise.all([
      read(topUpDocumentSchema, topUpDocumentId(topUpId), walletId),
      read(walletDocumentSchema, WALLET_DOCUMENT_ID, walletId),
      read(ledgerEntryDocumentSchema, entryDocumentId(entryIdFor("TopUp", topUpId)), walletId),
    ]);
    // The bank was paid for a top-up committed before it was published; a replica that does not show it yet must not
    // make us drop the credit. An event for a top-up that never existed dead-letters in the end.
    if (!topUp) throw new TransientError(`Top-up ${topUpId} of wallet ${walletId} not found (yet)`);
    return { topUp, wallet, entry };
  },
  decide: settleTopUp,
});
