import { createHash } from "node:crypto";
import { z } from "zod";
import { amountSchema, currencySchema, toCents } from "../../events/money";
import { bankTokenSchema } from "../../events/wallet";
import { ConcurrencyConflictError, ConflictError, NotFoundError, ValidationError } from "../../platform/errors";
import { idempotencyKeySchema, json, readJsonBody, readParam, routeIdSchema } from "../../platform/http";
import { commitAndPublish, flowStartingEvent } from "../../platform/flowStart";
import { deterministicId } from "../../platform/ids";
import { outboxDocumentId, publishPendingOutboxOfPartition } from "../../platform/outbox";
import { HttpHandler } from "../../platform/serviceModule";
import { TopUpDocument, readWallet, topUpDocumentId } from "./documents";

/** One top-up is capped so that a typo (or an attack) cannot book an absurd amount; balances stay exact in cents. */
export const MAX_TOP_UP_AMOUNT = 100_000;

export const initiateTopUpBody = z.strictObject({
  amount: amountSchema.refine((n) => n > 0, "must be > 0").refine((n) => n <= MAX_TOP_UP_AMOUNT, `must be ≤ ${MAX_TOP_UP_AMOUNT}`),
  currency: currencySchema,
  bankToken: bankTokenSchema,
});


export const topUpInitiatedEventId = (topUpId: string): string => deterministicId("Wallet.TopUpInitiated.v1", topUpId);

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
export const initiateTopUp: HttpHandler<unknown> = async (request, { store, publisher, clock, ids }, context) => {
  const walletId = readParam("walletId", request.params.walletId, routeIdSchema);
  const body = await readJsonBody(request, initiateTopUpBody);
  const key = request.headers.get("idempotency-key");
  const idempotencyKey = key === null ? undefined : readParam("Idempotency-Key", key, idempotencyKeySchema);
  const requestHash = createHash("sha256").update(JSON.stringify([body.amount, body.currency, body.bankToken])).digest("hex");
  const topUpId = idempotencyKey ? deterministicId("top-up", walletId, idempotencyKey) : ids.newId();
  const republish = () => publishPendingOutboxOfPartition(store, publisher, walletId, [outboxDocumentId(topUpInitiatedEventId(topUpId))], clock());

  const existing = await store.readDocument<TopUpDocument>(topUpDocumentId(topUpId), walletId);
  if (existing) return replay(existing, requestHash, republish);

  const wallet = await readWallet(store, walletId);
  if (!wallet) throw new NotFoundError("WALLET.NOT_FOUND", `Wallet ${walletId} does not exist`);
  if (wallet.currency !== body.currency) {
    throw new ValidationError(`Wallet ${walletId} holds ${wallet.currency}`, [{ path: "currency", message: `must be ${wallet.currency}, the wallet's currency` }]);
  }

  const now = clock();
  const topUp: TopUpDocument = {
    id: topUpDocumentId(topUpId),
    pk: walletId,
    kind: "topUp",
    topUpId,
    walletId,
    amountCents: toCents(body.amount),
    currency: body.currency,
    status: "Initiated",
    correlationId: deterministicId("flow", "top-up", topUpId),
    requestHash,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const event = flowStartingEvent({
    service: "ledger",
    event: {
      type: "Wallet.TopUpInitiated.v1",
      subject: `wallets/${walletId}/top-ups/${topUpId}`,
      data: { topUpId, walletId, amount: body.amount, currency: body.currency, bankToken: body.bankToken },
    },
    eventId: topUpInitiatedEventId(topUpId),
    correlationId: topUp.correlationId,
    now,
    callerTraceparent: request.headers.get("traceparent"),
  });
  try {
    await commitAndPublish({ store, publisher }, walletId, [{ op: "create", document: topUp }], event, (m, e) => context.warn(m, e));
  } catch (error) {
    if (!(error instanceof ConcurrencyConflictError)) throw error;
    // Two requests with the same key raced; the winner's top-up is the answer.
    const winner = await store.readDocument<TopUpDocument>(topUpDocumentId(topUpId), walletId);
    if (!winner) throw error;
    return replay(winner, requestHash, async () => 0);
  }
  return accepted(topUp);
};

const replay = async (topUp: TopUpDocument, requestHash: string, republish: () => Promise<unknown>) => {
  if (topUp.requestHash !== requestHash) {
    throw new ConflictError("TOPUP.IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used with a different request body");
  }
  await republish();
  return accepted(topUp);
};
