import { CreditReason } from "../../events/wallet";
import { Currency, fromCents } from "../../events/money";
import { AppError } from "../../platform/errors";
import { Change } from "../../platform/reactions";
import { NewEvent } from "../../platform/publishing";
import { LedgerEntryDocument, WalletDocument, entryDocumentId, newWallet } from "./documents";

export interface Credit {
  readonly walletId: string;
  readonly entryId: string;
  readonly amountCents: number;
  readonly currency: Currency;
  readonly reason: CreditReason;
  readonly causationid: string;
  readonly topUpId?: string;
  readonly grantId?: string;
}

/** A credit whose currency is not the wallet's: a configuration error (top-ups are checked at the API), never converted. */
export class CurrencyMismatchError extends AppError {
  constructor(walletId: string, walletCurrency: string, creditCurrency: string) {
    super("LEDGER.CURRENCY_MISMATCH", 409, `Wallet ${walletId} holds ${walletCurrency}; a ${creditCurrency} credit cannot be booked`);
  }
}

/**
 * The changes and event of one credit: the balance (a new wallet when the credit arrives before the wallet was opened)
 * first, then the entry. `undefined` when the entry exists: that cause was already credited.
 */
export const creditWallet = (
  wallet: WalletDocument | undefined,
  existingEntry: LedgerEntryDocument | undefined,
  credit: Credit,
  now: Date,
): { changes: Change[]; event: NewEvent } | undefined => {
  if (existingEntry) return undefined;
  if (wallet && wallet.currency !== credit.currency) throw new CurrencyMismatchError(credit.walletId, wallet.currency, credit.currency);
  const current = wallet ?? newWallet(credit.walletId, credit.currency, now);
  const next: WalletDocument = { ...current, balanceCents: current.balanceCents + credit.amountCents, updatedAt: now.toISOString() };
  const entry: LedgerEntryDocument = {
    id: entryDocumentId(credit.entryId),
    pk: credit.walletId,
    kind: "entry",
    walletId: credit.walletId,
    entryId: credit.entryId,
    amountCents: credit.amountCents,
    currency: credit.currency,
    reason: credit.reason,
    causationid: credit.causationid,
    time: now.toISOString(),
    ...(credit.topUpId ? { topUpId: credit.topUpId } : {}),
    ...(credit.grantId ? { grantId: credit.grantId } : {}),
  };
  return {
    changes: [{ put: next }, { put: entry }],
    event: {
      type: "Wallet.WalletCredited.v1",
      subject: `wallets/${credit.walletId}`,
      data: {
        walletId: credit.walletId,
        entryId: credit.entryId,
        amount: fromCents(credit.amountCents),
        currency: credit.currency,
        reason: credit.reason,
        balance: fromCents(next.balanceCents),
        ...(credit.topUpId ? { topUpId: credit.topUpId } : {}),
        ...(credit.grantId ? { grantId: credit.grantId } : {}),
      },
    },
  };
};
