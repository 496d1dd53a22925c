import { CreditReason } from "../../events/wallet";
import { Currency, fromCents } from "../../events/money";
import { deterministicId } from "../../platform/ids";
import { DocumentStore, StoredDocument, Versioned, stripSystemProperties } from "../../platform/store";

/**
 * A wallet, its ledger entries and its top-ups share one partition (the wallet id), so a credit — entry, balance and
 * top-up status — is one transactional batch, and the balance (ETag-guarded) always equals the sum of the entries.
 * Amounts are integer cents here; events and the API speak major units.
 */
export interface WalletDocument extends StoredDocument {
  readonly kind: "wallet";
  readonly walletId: string;
  readonly currency: Currency;
  readonly balanceCents: number;
  readonly openedAt: string;
  readonly updatedAt: string;
}

export interface LedgerEntryDocument extends StoredDocument {
  readonly kind: "entry";
  readonly walletId: string;
  readonly entryId: string;
  readonly amountCents: number;
  readonly currency: Currency;
  readonly reason: CreditReason;
  /** The event that caused the entry. */
  readonly causationid: string;
  readonly time: string;
  readonly topUpId?: string;
  readonly grantId?: string;
}

export type TopUpStatus = "Initiated" | "Succeeded" | "Failed";

export interface TopUpDocument extends StoredDocument {
  readonly kind: "topUp";
  readonly topUpId: string;
  readonly walletId: string;
  readonly amountCents: number;
  readonly currency: Currency;
  readonly status: TopUpStatus;
  readonly reason?: string;
  readonly correlationId: string;
  /** Hash of the request body, to tell a retried request (same key, same body) from a reused key. */
  readonly requestHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const WALLET_DOCUMENT_ID = "wallet";
export const entryDocumentId = (entryId: string): string => `entry:${entryId}`;
export const topUpDocumentId = (topUpId: string): string => `topUp:${topUpId}`;

/** The entry id comes from the cause (a grant, a top-up), never from the delivery: a cause is credited at most once. */
export const entryIdFor = (reason: CreditReason, causeId: string): string => deterministicId("ledger-entry", reason, causeId);

export const readWallet = (store: DocumentStore, walletId: string): Promise<Versioned<WalletDocument> | undefined> =>
  store.readDocument<WalletDocument>(WALLET_DOCUMENT_ID, walletId);

export const walletFields = (wallet: WalletDocument): WalletDocument => ({
  id: wallet.id,
  pk: wallet.pk,
  kind: "wallet",
  walletId: wallet.walletId,
  currency: wallet.currency,
  balanceCents: wallet.balanceCents,
  openedAt: wallet.openedAt,
  updatedAt: wallet.updatedAt,
});

export const newWallet = (walletId: string, currency: Currency, now: Date): WalletDocument => ({
  id: WALLET_DOCUMENT_ID,
  pk: walletId,
  kind: "wallet",
  walletId,
  currency,
  balanceCents: 0,
  openedAt: now.toISOString(),
  updatedAt: now.toISOString(),
});

export const topUpFields = (topUp: TopUpDocument): TopUpDocument => stripSystemProperties(topUp);

export const topUpView = (topUp: TopUpDocument) => ({
  topUpId: topUp.topUpId,
  walletId: topUp.walletId,
  amount: fromCents(topUp.amountCents),
  currency: topUp.currency,
  status: topUp.status,
  ...(topUp.reason ? { reason: topUp.reason } : {}),
});
