import { ChargeOutcome, GatewayCharge, PaymentGateway } from "#src/services/payments/paymentGateway";

/**
 * An in-memory card gateway with the semantics the payments service relies on: a repeated idempotency key gets the
 * first answer back and never charges twice; charges can be found by key and listed by time. Hooks let a spec run
 * something at the worst moment: after the gateway executed a charge but before the caller hears of it.
 */
export const createFakePaymentGateway = (now: () => Date = () => new Date("2026-01-02T03:04:05.000Z")) => {
  const charges: (GatewayCharge & { refundKeys: string[] })[] = [];
  const refunds: { refundId: string; chargeId: string; amount: number; idempotencyKey: string }[] = [];
  const chargeAnswers = new Map<string, ChargeOutcome>();
  let n = 0;
  const gateway: PaymentGateway & {
    charges: typeof charges;
    refunds: typeof refunds;
    /** Runs after a charge executed, before its answer returns; throw from it to simulate a crash right there. */
    afterCharge?: (charge: GatewayCharge) => Promise<void>;
    /** Net money taken: charges that succeeded minus refunds. */
    net(): number;
  } = {
    charges,
    refunds,
    net: () => charges.filter((c) => c.status === "succeeded").reduce((s, c) => s + c.amount, 0) - refunds.reduce((s, r) => s + r.amount, 0),
    async charge(request, { idempotencyKey }) {
      const earlier = chargeAnswers.get(idempotencyKey);
      if (earlier) return earlier;
      const declined = request.token === "tok_decline";
      const charge = {
        chargeId: `ch_${++n}`,
        idempotencyKey,
        status: declined ? ("declined" as const) : ("succeeded" as const),
        amount: request.amount,
        refundedAmount: 0,
        reference: request.reference,
        createdAt: now().toISOString(),
        refundKeys: [],
      };
      charges.push(charge);
      const answer: ChargeOutcome = declined
        ? { status: "declined", code: "card_declined", message: "declined" }
        : { status: "succeeded", chargeId: charge.chargeId };
      chargeAnswers.set(idempotencyKey, answer);
      await gateway.afterCharge?.(charge);
      return answer;
    },
    async refund({ chargeId, amount }, { idempotencyKey }) {
      const earlier = refunds.find((r) => r.idempotencyKey === idempotencyKey);
      if (earlier) return { refundId: earlier.refundId };
      const charge = charges.find((c) => c.chargeId === chargeId && c.status === "succeeded");
      if (!charge || amount > charge.amount - charge.refundedAmount) throw new Error(`gateway refused refund of ${chargeId}`);
      const record = { refundId: `re_${++n}`, chargeId, amount, idempotencyKey };
      refunds.push(record);
      const index = charges.indexOf(charge);
      charges[index] = { ...charge, refundedAmount: charge.refundedAmount + amount };
      return { refundId: record.refundId };
    },
    async findCharge(idempotencyKey) {
      const found = charges.find((c) => c.idempotencyKey === idempotencyKey);
      return found ? { ...found } : undefined;
    },
    async listCharges({ createdFrom, createdTo }) {
      return charges.filter((c) => c.createdAt >= createdFrom.toISOString() && c.createdAt <= createdTo.toISOString()).map((c) => ({ ...c }));
    },
  };
  return gateway;
};
