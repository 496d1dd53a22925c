import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { z } from "zod";
import { amountSchema, currencySchema, toCents } from "../../events/money";
import { fundingSourceIdSchema } from "../../events/tokenReferences";
import { NotFoundError, ValidationError } from "../../platform/errors";
import { json, readJsonBody, readParam, routeIdSchema } from "../../platform/http";
import { readIdempotencyKey, replayWhenSameRequest, requestHashOf, startFlowFromHttp } from "../../platform/flowStart";
import { deterministicId } from "../../platform/ids";
import { HttpHandler } from "../../platform/serviceModule";
import { TopUpDocument, readWallet, topUpDocumentId, topUpDocumentSchema } from "./documents";

/** One top-up is capped so that a typo (or an attack) cannot book an absurd amount; balances stay exact in cents. */
export const MAX_TOP_UP_AMOUNT = 100_000;

export const initiateTopUpBody = z.strictObject({
  amount: amountSchema.refine((n) => n > 0, "must be > 0").refine((n) => n <= MAX_TOP_UP_AMOUNT, `must be ≤ ${MAX_TOP_UP_AMOUNT}`),
  currency: currencySchema,
  fundingSourceId: fundingSourceIdSchema,
});

export const topUpInitiatedEventId = (topUpId: string): string => deterministicId("Wallet.TopUpInitiated.v2", topUpId);

const accepted = (topUp: TopUpDocument) =>
  json(
    202,
    { topUpId: topUp.topUpId, correlationId: topUp.correlationId, status: "Initiated" },
    { location: `/api/wallets/${topUp.walletId}/top-ups/${topUp.topUpId}` },
  );

/**
 * POST /api/wallets/{walletId}/top-ups: commits the top-up and its TopUpInitiated event together (outbox), then
 * publishes. With an `Idempotency-Key`, a retried request answers with the same top-up; the key with another body is
 * a 409. The wallet must exist and the amount must be in its currency; otherwise nothing is written.
 */
export const initiateTopUp: HttpHandler<unknown> = async (request, runtime, context) => {
  requireAppRole(request, APP_ROLES.walletsWrite);
  const walletId = readParam("walletId", request.params.walletId, routeIdSchema);
  const body = await readJsonBody(request, initiateTopUpBody);
  const idempotencyKey = readIdempotencyKey(request);
  const requestHash = requestHashOf([body.amount, body.currency, body.fundingSourceId]);
  const topUpId = idempotencyKey ? deterministicId("top-up", walletId, idempotencyKey) : runtime.ids.newId();
  const correlationId = deterministicId("flow", "top-up", topUpId);

  return startFlowFromHttp<TopUpDocument>(request, runtime, context, {
    service: "ledger",
    pk: walletId,
    recordId: topUpDocumentId(topUpId),
    schema: topUpDocumentSchema,
    eventId: topUpInitiatedEventId(topUpId),
    correlationId,
    async start(now) {
      const wallet = await readWallet(runtime.store, walletId);
      if (!wallet) throw new NotFoundError("WALLET.NOT_FOUND", `Wallet ${walletId} does not exist`);
      if (wallet.currency !== body.currency) {
        throw new ValidationError(`Wallet ${walletId} holds ${wallet.currency}`, [{ path: "currency", message: `must be ${wallet.currency}, the wallet's currency` }]);
      }
      const record: TopUpDocument = {
        id: topUpDocumentId(topUpId),
        pk: walletId,
        kind: "topUp",
        topUpId,
        walletId,
        amountCents: toCents(body.amount),
        currency: body.currency,
        status: "Initiated",
        correlationId,
        requestHash,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      const event = {
        type: "Wallet.TopUpInitiated.v2",
        subject: `wallets/${walletId}/top-ups/${topUpId}`,
        data: { topUpId, walletId, amount: body.amount, currency: body.currency, fundingSourceId: body.fundingSourceId },
      } as const;
      return { record, event };
    },
    accepted,
    whenExists: replayWhenSameRequest(requestHash, "TOPUP.IDEMPOTENCY_KEY_REUSED", accepted),
  });
};
