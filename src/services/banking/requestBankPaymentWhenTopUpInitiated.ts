import { z } from "zod";
import { currencySchema } from "../../events/money";
import { documentSchema } from "../../platform/documentSchema";
import { Decision, Outside, nothingToDo } from "../../platform/reactions";
import { defineReaction } from "../../define";
import { BankClient, BankPaymentOutcome } from "./bankClient";
import { fundingSources } from "./fundingSources";

/**
 * One top-up's bank payment, in the top-up's partition. `Requested` is the intent, committed before the bank is
 * called with `paymentKey`: whatever the bank did under that key is found again after any crash (reconciliation).
 */
export const bankPaymentDocumentSchema = documentSchema("bankPayment", {
  topUpId: z.string(),
  walletId: z.string(),
  status: z.enum(["Requested", "Succeeded", "Declined"]),
  amount: z.number(),
  currency: currencySchema,
  paymentKey: z.string().optional(),
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  bankPaymentId: z.string().optional(),
  code: z.string().optional(),
  reason: z.string().optional(),
  settledAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type BankPaymentDocument = z.infer<typeof bankPaymentDocumentSchema>;

export const bankPaymentDocumentId = (topUpId: string): string => `bankPayment:${topUpId}`;

export interface BankPaymentState {
  readonly payment: BankPaymentDocument;
  /** The bank's answer; absent when the payment was already settled. */
  readonly outcome: BankPaymentOutcome | undefined;
}

/** Records the bank's answer over the intent and publishes it. Pure; shared with reconciliation. */
export const settleBankPayment = (state: BankPaymentState, now: Date): Decision => {
  const { payment, outcome } = state;
  if (payment.status !== "Requested" || !outcome) return nothingToDo;
  const { topUpId, walletId, amount, currency } = payment;
  const settledAt = now.toISOString();
  const subject = `wallets/${walletId}/top-ups/${topUpId}`;
  const settled = (changes: Partial<BankPaymentDocument>) => ({ put: { ...payment, ...changes, settledAt, updatedAt: settledAt } });
  if (outcome.status === "succeeded") {
    const { bankPaymentId } = outcome;
    return {
      changes: [settled({ status: "Succeeded", bankPaymentId })],
      publish: [{ type: "Banking.BankPaymentSucceeded.v1", subject, data: { topUpId, walletId, bankPaymentId, amount, currency } }],
    };
  }
  const { code, reason } = outcome;
  return {
    changes: [settled({ status: "Declined", code, reason })],
    publish: [{ type: "Banking.BankPaymentDeclined.v1", subject, data: { topUpId, walletId, code, reason } }],
  };
};

export const requestBankPaymentWhenTopUpInitiated = defineReaction("banking", "requestBankPaymentWhenTopUpInitiated", {
  partitionKey: (event) => event.data.topUpId,
  async load(event, { read }) {
    // Two partitions, neither read depending on the other: side by side.
    const [stored, bankToken] = await Promise.all([
      read(bankPaymentDocumentSchema, bankPaymentDocumentId(event.data.topUpId), event.data.topUpId),
      fundingSources.resolve(read, event.data.fundingSourceId, event.data.walletId),
    ]);
    return { stored, bankToken };
  },
  async act(event, { stored, bankToken }, outside: Outside<{ bank: BankClient }>): Promise<BankPaymentState> {
    const { topUpId, walletId, amount, currency } = event.data;
    const payment: BankPaymentDocument = stored ?? {
      id: bankPaymentDocumentId(topUpId),
      pk: topUpId,
      kind: "bankPayment",
      topUpId,
      walletId,
      status: "Requested",
      amount,
      currency,
      paymentKey: outside.idempotencyKey,
      correlationId: event.correlationid,
      causationId: event.id,
      updatedAt: event.time,
    };
    if (payment.status !== "Requested") return { payment, outcome: undefined };
    if ("refused" in bankToken) {
      // Never asked the bank: declined, and the top-up fails. With an intent recorded the bank may have paid under it,
      // and only the token can ask again: the delivery fails, Event Grid retries it and then dead-letters it for an
      // operator (no code deletes a funding source, so this needs one deleted by hand).
      if (stored) throw new Error(`Top-up ${topUpId} has a bank payment under way but its funding source is gone: ${bankToken.refused}`);
      return { payment, outcome: { status: "declined", code: "unknown_funding_source", reason: bankToken.refused } };
    }
    // Intent first (`call` creates it when it is not stored yet), so a payment the bank makes always has a record to
    // reconcile; the token stays in the funding source. The intent's key: a redelivery gets the bank's first answer back
    // (a timeout throws TransientError and retries).
    const outcome = await outside.call({
      intent: payment,
      idempotencyKey: payment.paymentKey ?? outside.idempotencyKey,
      call: (key) => outside.ports.bank.createPayment({ amount, currency, bankToken: bankToken.token, reference: topUpId }, { idempotencyKey: key }),
    });
    return { payment, outcome };
  },
  decide: (_event, state, context) => settleBankPayment(state, context.now),
});
