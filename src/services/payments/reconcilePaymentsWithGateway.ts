import { ConcurrencyConflictError } from "../../platform/errors";
import { queryValid, readValid } from "../../platform/documentSchema";
import { Session, commitDecision, openSession } from "../../platform/reactions";
import { ServiceRuntime } from "../../platform/runtime";
import { DocumentReader } from "../../platform/store";
import { PaymentDocument, paymentDocumentId, paymentDocumentSchema } from "./documents";
import { PaymentGateway } from "./paymentGateway";
import { PaymentFacts, decidePayment, factsAfterCancellation, outcomeOf } from "./settlePayment";

export interface ReconciliationReport {
  /** Payment records looked at, and gateway charges looked at. */
  readonly examined: number;
  /** Records settled from what the gateway said (recorded and published, or refunded). */
  readonly repaired: number;
  /** Gateway charges under our references with no payment record at all: reported, never touched. */
  readonly unknownCharges: readonly string[];
}

export interface ReconciliationOptions {
  /** Only records untouched for this long are looked at: younger ones are still being worked on by their reaction. */
  readonly graceInMs: number;
  /** How far back the gateway's charges are compared (Event Grid retries for 24 h; look a little further). */
  readonly windowInMs: number;
}

export const defaultReconciliationOptions: ReconciliationOptions = { graceInMs: 10 * 60_000, windowInMs: 26 * 3600_000 };

const settleFromFacts = async (
  rt: ServiceRuntime<{ gateway: PaymentGateway }>,
  session: Session,
  payment: PaymentDocument,
  facts: PaymentFacts,
): Promise<boolean> => {
  const now = rt.clock();
  const decision = decidePayment(facts, now);
  if (decision.changes.length === 0) return false;
  // Published as if by the reaction the crash interrupted: same flow, caused by the OrderPlaced that asked for it.
  const cause = { id: payment.causationId ?? paymentDocumentId(payment.orderId), correlationid: payment.correlationId ?? payment.orderId, traceparent: undefined };
  try {
    await commitDecision(rt, { service: "payments", name: "reconcilePaymentsWithGateway" }, payment.pk, cause, decision, session, now);
    return true;
  } catch (error) {
    // A reaction settled it meanwhile: fine, the next run finds nothing left to do.
    if (error instanceof ConcurrencyConflictError) return false;
    throw error;
  }
};

const readPayment = (store: DocumentReader, orderId: string) => readValid(store, paymentDocumentSchema, paymentDocumentId(orderId), orderId);

/**
 * The backstop for money moved without a record, run by a timer. Two passes, both idempotent:
 * 1. payment records stuck mid-way (a charge intent, or a cancellation marker) for longer than the grace period are
 *    settled from what the gateway holds under their key: recorded and published, or refunded;
 * 2. the gateway's charges of the window are compared with our records: a succeeded, unrefunded charge of an order
 *    we reported NotCharged is refunded (a duplicate delivery charged after the cancellation was settled and then
 *    crashed); a charge under a reference we have no record of is reported, never refunded blindly.
 */
export const reconcilePaymentsWithGateway = async (
  rt: ServiceRuntime<{ gateway: PaymentGateway }>,
  options: ReconciliationOptions = defaultReconciliationOptions,
): Promise<ReconciliationReport> => {
  const now = rt.clock();
  const { gateway } = rt.ports;
  const cutoff = new Date(now.getTime() - options.graceInMs);
  let examined = 0;
  let repaired = 0;
  // Every read goes through the session, so each settlement replaces the payment with the version it was read at.
  const session = openSession(rt.store);

  const stuck = await queryValid(
    session.store,
    paymentDocumentSchema,
    undefined,
    "c.kind = 'payment' AND (c.status = 'Charging' OR c.status = 'CancelledBeforeCharge') AND c.updatedAt <= @cutoff",
    [{ name: "@cutoff", value: cutoff.toISOString() }],
  );
  // The query says it; the check says it again, since refunding on a misread status would be the costliest bug here.
  const isStuck = (p: PaymentDocument) => (p.status === "Charging" || p.status === "CancelledBeforeCharge") && p.updatedAt <= cutoff.toISOString();
  for (const payment of stuck.filter(isStuck)) {
    examined++;
    let facts: PaymentFacts;
    if (payment.status === "Charging") {
      const charge = payment.chargeKey ? await gateway.findCharge(payment.chargeKey) : undefined;
      // No charge yet: the OrderPlaced delivery is still being retried (or was dead-lettered: replay it).
      facts = charge ? { kind: "charged", payment, outcome: outcomeOf(charge) } : { kind: "nothingToDo" };
    } else {
      facts = await factsAfterCancellation(payment, gateway, session.call);
    }
    if (await settleFromFacts(rt, session, payment, facts)) repaired++;
  }

  const unknownCharges: string[] = [];
  const charges = await gateway.listCharges({ createdFrom: new Date(now.getTime() - options.windowInMs), createdTo: cutoff });
  for (const charge of charges) {
    examined++;
    if (charge.status !== "succeeded" || charge.refundedAmount >= charge.amount || !charge.reference) continue;
    const payment = await readPayment(session.store, charge.reference);
    if (!payment || payment.chargeKey !== charge.idempotencyKey) {
      unknownCharges.push(charge.chargeId);
      continue;
    }
    if (payment.status === "NotCharged" || payment.status === "CancelledBeforeCharge") {
      if (await settleFromFacts(rt, session, payment, await factsAfterCancellation(payment, gateway, session.call))) repaired++;
    } else if (payment.status === "Charging") {
      if (await settleFromFacts(rt, session, payment, { kind: "charged", payment, outcome: outcomeOf(charge) })) repaired++;
    }
  }
  return { examined, repaired, unknownCharges };
};
