import { z } from "zod";
import { CreditReason, creditReasonSchema } from "../../events/wallet";
import { Currency, currencySchema, fromCents } from "../../events/money";
import { documentSchema, readValid } from "../../platform/documentSchema";
import { deterministicId } from "../../platform/ids";
import { DocumentReader } from "../../platform/store";

/**
 * A wallet, its ledger entries and its top-ups share one partition (the wallet id), so a credit — entry, balance and
 * top-up status — is one transactional batch, and the balance (ETag-guarded) always equals the sum of the entries.
 * Amounts are integer cents here; events and the API speak major units.
 */
export const walletDocumentSchema = documentSchema("wallet", {
  walletId: z.string(),
  currency: currencySchema,
  balanceCents: z.number().int(),
  openedAt: z.string(),
  updatedAt: z.string(),
});
export type WalletDocument = z.infer<typeof walletDocumentSchema>;

export const ledgerEntryDocumentSchema = documentSchema("entry", {
  walletId: z.string(),
  entryId: z.string(),
  amountCents: z.number().int(),
  currency: currencySchema,
  reason: creditReasonSchema,
  /** The event that caused the entry. */
  causationid: z.string(),
  time: z.string(),
  topUpId: z.string().optional(),
  grantId: z.string().optional(),
});
export type LedgerEntryDocument = z.infer<typeof ledgerEntryDocumentSchema>;

export const topUpStatusSchema = z.enum(["Initiated", "Succeeded", "Failed"]);
export type TopUpStatus = z.infer<typeof topUpStatusSchema>;

export const topUpDocumentSchema = documentSchema("topUp", {
  topUpId: z.string(),
  walletId: z.string(),
  amountCents: z.number().int(),
  currency: currencySchema,
  status: topUpStatusSchema,
  reason: z.string().optional(),
  correlationId: z.string(),
  /** Hash of the request body, to tell a retried request (same key, same body) from a reused key. */
  requestHash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TopUpDocument = z.infer<typeof topUpDocumentSchema>;

export const WALLET_DOCUMENT_ID = "wallet";
export const entryDocumentId = (entryId: string): string => `entry:${entryId}`;
export const topUpDocumentId = (topUpId: string): string => `topUp:${topUpId}`;

/** The entry id comes from the cause (a grant, a top-up), never from the delivery: a cause is credited at most once. */
export const entryIdFor = (reason: CreditReason, causeId: string): string => deterministicId("ledger-entry", reason, causeId);

/** A wallet, read outside a reaction (HTTP); a reaction's `load` reads it through its context's `read`. */
export const readWallet = (store: DocumentReader, walletId: string): Promise<WalletDocument | undefined> =>
  readValid(store, walletDocumentSchema, WALLET_DOCUMENT_ID, walletId);

/** What the ledger's ports carry: its settings, which `load` reads (see LoadContext.settings). */
export interface LedgerPorts {
  readonly settings: { readonly walletCurrency: Currency };
}

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

export const topUpView = (topUp: TopUpDocument) => ({
  topUpId: topUp.topUpId,
  walletId: topUp.walletId,
  amount: fromCents(topUp.amountCents),
  currency: topUp.currency,
  status: topUp.status,
  ...(topUp.reason ? { reason: topUp.reason } : {}),
});
