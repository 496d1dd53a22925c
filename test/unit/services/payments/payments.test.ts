import { recordCharge } from "../../../../src/services/payments/chargePaymentWhenOrderPlaced";
import { recordRefund } from "../../../../src/services/payments/refundPaymentWhenOrderCancelled";
import { PaymentDocument } from "../../../../src/services/payments/documents";
import { anEvent, decisionContext } from "../../../support/events";

const placed = anEvent("Orders.OrderPlaced.v1", {
  orderId: "o-1", customerId: "c-1", currency: "EUR", total: 25, paymentToken: "tok_visa", items: [{ sku: "A", quantity: 1, unitPrice: 25 }],
});
const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "Insufficient stock for A" });
const charged: PaymentDocument & { _etag: string } = {
  id: "payment:o-1", pk: "o-1", kind: "payment", orderId: "o-1", status: "Charged", amount: 25, currency: "EUR", chargeId: "ch_1", updatedAt: "t", _etag: "e1",
};

const marker: PaymentDocument & { _etag: string } = {
  id: "payment:o-1", pk: "o-1", kind: "payment", orderId: "o-1", status: "CancelledBeforeCharge", updatedAt: "t", _etag: "e0",
};

describe("payments: charge when an order is placed", () => {
  it("given the gateway charged, records the charge and publishes PaymentConfirmed with the amount", () => {
    const decision = recordCharge(placed, { payment: undefined, charge: { status: "succeeded", chargeId: "ch_1" } }, decisionContext());
    expect(decision.writes).toEqual([{ op: "create", document: expect.objectContaining({ status: "Charged", chargeId: "ch_1", amount: 25 }) }]);
    expect(decision.publish).toEqual([
      { type: "Payments.PaymentConfirmed.v1", subject: "orders/o-1", data: { orderId: "o-1", customerId: "c-1", chargeId: "ch_1", amount: 25, currency: "EUR" } },
    ]);
  });

  it("given the gateway declined, records the decline and publishes PaymentFailed with the reason", () => {
    const decision = recordCharge(placed, { payment: undefined, charge: { status: "declined", code: "card_declined", message: "no" } }, decisionContext());
    expect(decision.writes).toEqual([{ op: "create", document: expect.objectContaining({ status: "Declined" }) }]);
    expect(decision.publish).toEqual([
      { type: "Payments.PaymentFailed.v1", subject: "orders/o-1", data: { orderId: "o-1", reason: "Payment declined: card_declined" } },
    ]);
  });

  it("given the order was already cancelled (no charge attempted), does nothing", () => {
    expect(recordCharge(placed, { payment: marker, charge: undefined }, decisionContext())).toEqual({ writes: [], publish: [] });
  });

  it("given the cancellation overtook a charge in flight (charged, then refunded at once), records the refund", () => {
    const decision = recordCharge(placed, { payment: marker, charge: { status: "succeeded", chargeId: "ch_9" }, refundId: "re_9" }, decisionContext());
    expect(decision.writes).toEqual([{ op: "replace", ifMatch: "e0", document: expect.objectContaining({ status: "Refunded", chargeId: "ch_9", refundId: "re_9" }) }]);
    expect(decision.publish).toEqual([
      { type: "Payments.PaymentRefunded.v1", subject: "orders/o-1", data: { orderId: "o-1", chargeId: "ch_9", refundId: "re_9", amount: 25, currency: "EUR" } },
    ]);
  });
});

describe("payments: refund when an order is cancelled", () => {
  it("given a charge, marks it refunded with its ETag and publishes PaymentRefunded", () => {
    const decision = recordRefund(cancelled, { payment: charged, refundId: "re_1" }, decisionContext());
    expect(decision.writes).toEqual([{ op: "replace", ifMatch: "e1", document: expect.objectContaining({ status: "Refunded", refundId: "re_1" }) }]);
    expect(decision.writes[0]).not.toHaveProperty("document._etag");
    expect(decision.publish).toEqual([
      { type: "Payments.PaymentRefunded.v1", subject: "orders/o-1", data: { orderId: "o-1", chargeId: "ch_1", refundId: "re_1", amount: 25, currency: "EUR" } },
    ]);
  });

  it("given no payment yet, leaves a marker so a late OrderPlaced is never charged", () => {
    const decision = recordRefund(cancelled, { payment: undefined, refundId: undefined }, decisionContext());
    expect(decision.writes).toEqual([{ op: "create", document: expect.objectContaining({ status: "CancelledBeforeCharge" }) }]);
    expect(decision.publish).toEqual([]);
  });

  it("given a declined or already refunded payment, does nothing", () => {
    for (const status of ["Declined", "Refunded"] as const) {
      expect(recordRefund(cancelled, { payment: { ...charged, status }, refundId: undefined }, decisionContext())).toEqual({ writes: [], publish: [] });
    }
  });
});
