import { EventOf, eventsOf } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { StoredDocument } from "../../platform/store";
import { BankClient, BankPaymentOutcome } from "./bankClient";

type TopUpInitiated = EventOf<"Wallet.TopUpInitiated.v1">;

/** The bank's answer for one top-up, in the top-up's partition. */
export interface BankPaymentDocument extends StoredDocument {
  readonly kind: "bankPayment";
  readonly topUpId: string;
  readonly walletId: string;
  readonly status: "Succeeded" | "Declined";
  readonly amount: number;
  readonly currency: string;
  readonly bankPaymentId?: string;
  readonly code?: string;
  readonly reason?: string;
  readonly settledAt: string;
}

export const bankPaymentDocumentId = (topUpId: string): string => `bankPayment:${topUpId}`;

export interface BankPaymentState {
  readonly payment: BankPaymentDocument | undefined;
  readonly outcome: BankPaymentOutcome | undefined;
}

export const recordBankPayment = (event: TopUpInitiated, state: BankPaymentState, context: DecisionContext): Decision => {
  if (state.payment || !state.outcome) return nothingToDo;
  const { topUpId, walletId, amount, currency } = event.data;
  const base = { id: bankPaymentDocumentId(topUpId), pk: topUpId, kind: "bankPayment" as const, topUpId, walletId, amount, currency, settledAt: context.now.toISOString() };
  const subject = `wallets/${walletId}/top-ups/${topUpId}`;
  if (state.outcome.status === "succeeded") {
    const { bankPaymentId } = state.outcome;
    return {
      writes: [{ op: "create", document: { ...base, status: "Succeeded", bankPaymentId } satisfies BankPaymentDocument }],
      publish: [{ type: "Banking.BankPaymentSucceeded.v1", subject, data: { topUpId, walletId, bankPaymentId, amount, currency } }],
    };
  }
  const { code, reason } = state.outcome;
  return {
    writes: [{ op: "create", document: { ...base, status: "Declined", code, reason } satisfies BankPaymentDocument }],
    publish: [{ type: "Banking.BankPaymentDeclined.v1", subject, data: { topUpId, walletId, code, reason } }],
  };
};

export const requestBankPaymentWhenTopUpInitiated: Reaction<TopUpInitiated, BankPaymentState, { bank: BankClient }> = {
  service: "banking",
  name: "requestBankPaymentWhenTopUpInitiated",
  events: eventsOf("Wallet.TopUpInitiated.v1"),
  partitionKey: (event) => event.data.topUpId,
  async load(event, { store, ports, idempotencyKey }) {
    const { topUpId, amount, currency, bankToken } = event.data;
    const payment = await store.readDocument<BankPaymentDocument>(bankPaymentDocumentId(topUpId), topUpId);
    if (payment) return { payment, outcome: undefined };
    // The event id is the idempotency key; a timeout throws TransientError and the redelivery asks again with it.
    const outcome = await ports.bank.createPayment({ amount, currency, bankToken, reference: topUpId }, { idempotencyKey });
    return { payment: undefined, outcome };
  },
  decide: recordBankPayment,
};
