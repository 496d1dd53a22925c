import { ConcurrencyConflictError } from "../../platform/errors";
import { queryValid } from "../../platform/documentSchema";
import { commitDecision, openSession } from "../../platform/reactions";
import { ServiceRuntime } from "../../platform/runtime";
import { BankClient } from "./bankClient";
import { settleBankPayment, bankPaymentDocumentSchema } from "./requestBankPaymentWhenTopUpInitiated";

/**
 * The backstop for a bank payment made without a record, run by a timer: a `Requested` intent untouched for longer
 * than the grace period is settled from what the bank holds under its key (recorded and published, so the ledger
 * credits it). An intent the bank knows nothing of is left to the TopUpInitiated delivery's retries (or its replay
 * from the dead letters). Idempotent: settling replaces the intent at the version this run read it.
 */
export const reconcileBankPayments = async (
  rt: ServiceRuntime<{ bank: BankClient }>,
  options: { graceInMs: number },
): Promise<{ examined: number; repaired: number }> => {
  const now = rt.clock();
  const cutoff = new Date(now.getTime() - options.graceInMs).toISOString();
  const session = openSession(rt.store);
  const stuck = await queryValid(
    session.store,
    bankPaymentDocumentSchema,
    undefined,
    "c.kind = 'bankPayment' AND c.status = 'Requested' AND c.updatedAt <= @cutoff",
    [{ name: "@cutoff", value: cutoff }],
  );
  let repaired = 0;
  const intents = stuck.filter((p) => p.status === "Requested" && (p.updatedAt ?? "") <= cutoff);
  for (const payment of intents) {
    const found = payment.paymentKey ? await rt.ports.bank.findPayment(payment.paymentKey) : undefined;
    if (!found) continue;
    const outcome =
      found.status === "succeeded"
        ? ({ status: "succeeded", bankPaymentId: found.paymentId } as const)
        : ({ status: "declined", code: "declined", reason: "Declined (found by reconciliation)" } as const);
    const decision = settleBankPayment({ payment, outcome }, now);
    const cause = { id: payment.causationId ?? payment.id, correlationid: payment.correlationId ?? payment.topUpId, traceparent: undefined };
    try {
      await commitDecision(rt, { service: "banking", name: "reconcileBankPayments" }, payment.pk, cause, decision, session, now);
      repaired++;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
    }
  }
  return { examined: intents.length, repaired };
};
