import { z } from "zod";
import { APP_ROLES } from "../../platform/appRoles";
import { routeIdSchema } from "../../platform/http";
import { keepTokenHttp, tokenVault } from "../../platform/tokenVault";

/**
 * Bank tokens stay here. A client registers the bank token of a wallet once (`POST /api/funding-sources`) and tops the
 * wallet up with the `fundingSourceId` it gets back; only banking can turn that id into a bank payment, and only into
 * the wallet it was registered for.
 */
export const fundingSources = tokenVault("fundingSource", "fs", "wallet", "FUNDING_SOURCE.IDEMPOTENCY_KEY_REUSED");

/** What a bank token looks like; opaque to everyone but the bank. */
export const bankTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "must be 1–100 letters, digits, _ -");

/** POST /api/funding-sources `{ walletId, bankToken }` → 201 `{ fundingSourceId }`. The caller who tops wallets up. */
export const registerFundingSource = keepTokenHttp(fundingSources, {
  role: APP_ROLES.walletsWrite,
  body: z.strictObject({ walletId: routeIdSchema, bankToken: bankTokenSchema }).transform(({ walletId, bankToken }) => ({ owner: walletId, token: bankToken })),
  answer: (fundingSourceId) => ({ fundingSourceId }),
});
