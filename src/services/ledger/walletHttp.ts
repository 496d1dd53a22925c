import { fromCents } from "../../events/money";
import { queryValid, readValid } from "../../platform/documentSchema";
import { NotFoundError } from "../../platform/errors";
import { json, readParam, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { readWallet, topUpDocumentId, topUpView, topUpDocumentSchema, ledgerEntryDocumentSchema } from "./documents";

/** GET /api/wallets/{walletId}: the balance and every entry, oldest first. */
export const getWallet: HttpHandler<unknown> = async (request, { store }) => {
  const walletId = readParam("walletId", request.params.walletId, routeIdSchema);
  const wallet = await readWallet(store, walletId);
  if (!wallet) throw new NotFoundError("WALLET.NOT_FOUND", `Wallet ${walletId} does not exist`);
  const entries = await queryValid(store, ledgerEntryDocumentSchema, walletId, "c.kind = 'entry'");
  entries.sort((a, b) => a.time.localeCompare(b.time) || a.entryId.localeCompare(b.entryId));
  return json(200, {
    walletId,
    balance: fromCents(wallet.balanceCents),
    currency: wallet.currency,
    entries: entries.map((e) => ({ entryId: e.entryId, amount: fromCents(e.amountCents), reason: e.reason, causationid: e.causationid, time: e.time })),
  });
};

/** GET /api/wallets/{walletId}/top-ups/{topUpId} */
export const getTopUp: HttpHandler<unknown> = async (request, { store }) => {
  const walletId = readParam("walletId", request.params.walletId, routeIdSchema);
  const topUpId = readParam("topUpId", request.params.topUpId, routeIdSchema);
  const topUp = await readValid(store, topUpDocumentSchema, topUpDocumentId(topUpId), walletId);
  if (!topUp) throw new NotFoundError("TOPUP.NOT_FOUND", `Top-up ${topUpId} of wallet ${walletId} does not exist`);
  return json(200, topUpView(topUp));
};
