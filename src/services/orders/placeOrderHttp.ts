import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { currencySchema, fromCents, toCents } from "../../events/money";
import { orderItemSchema } from "../../events/orders";
import { paymentMethodIdSchema } from "../../events/tokenReferences";
import { json, readJsonBody } from "../../platform/http";
import { readIdempotencyKey, replayWhenSameRequest, requestHashOf, startFlowFromHttp } from "../../platform/flowStart";
import { deterministicId } from "../../platform/ids";
import { HttpHandler } from "../../platform/serviceModule";
import { OrderDocument, orderDocumentId, orderDocumentSchema } from "./documents";

/** Business limits of one order, in major units: a line's unit price and the whole order's total. */
export const MAX_UNIT_PRICE = 1_000_000;
export const MAX_ORDER_TOTAL = 10_000_000;

/** The order's total in cents, exact: every unit price is bounded and has at most two decimals. */
export const orderTotalInCents = (items: readonly { unitPrice: number; quantity: number }[]): number =>
  items.reduce((sum, i) => sum + toCents(i.unitPrice) * i.quantity, 0);

export const placeOrderBody = z
  .strictObject({
    customerId: z.string().trim().min(1).max(100),
    items: z
      .array(orderItemSchema.extend({ unitPrice: orderItemSchema.shape.unitPrice.refine((n) => n <= MAX_UNIT_PRICE, `must be ≤ ${MAX_UNIT_PRICE}`) }))
      .min(1)
      .max(100),
    currency: currencySchema,
    /** From `POST /api/payment-methods` of payments: the card token itself never reaches orders. */
    paymentMethodId: paymentMethodIdSchema,
  })
  .refine((body) => orderTotalInCents(body.items) <= toCents(MAX_ORDER_TOTAL), {
    path: ["items"],
    message: `the order total (Σ unitPrice × quantity) must be ≤ ${MAX_ORDER_TOTAL}`,
  });

const accepted = (order: OrderDocument) =>
  json(202, { orderId: order.orderId, correlationId: order.correlationId, status: "Pending" }, { location: `/api/orders/${order.orderId}` });

/**
 * POST /api/orders: commits the order and its OrderPlaced event together (outbox), then publishes. If publishing
 * fails the order is still accepted: the outbox relay publishes it later. With an `Idempotency-Key`, a retried request
 * returns the same order; the same key with a different body is a 409.
 */
export const placeOrder: HttpHandler<unknown> = async (request, runtime, context) => {
  requireAppRole(request, APP_ROLES.ordersWrite);
  const body = await readJsonBody(request, placeOrderBody);
  const idempotencyKey = readIdempotencyKey(request);
  const requestHash = requestHashOf(body);
  const orderId = idempotencyKey ? deterministicId("order", idempotencyKey) : randomUUID();
  const correlationId = deterministicId("flow", orderId);

  return startFlowFromHttp<OrderDocument>(request, runtime, context, {
    service: "orders",
    pk: orderId,
    recordId: orderDocumentId(orderId),
    schema: orderDocumentSchema,
    eventId: deterministicId("Orders.OrderPlaced.v2", orderId),
    correlationId,
    async start(now) {
      const total = fromCents(orderTotalInCents(body.items));
      const record: OrderDocument = {
        id: orderDocumentId(orderId),
        pk: orderId,
        kind: "order",
        orderId,
        correlationId,
        customerId: body.customerId,
        items: body.items,
        currency: body.currency,
        total,
        status: "Pending",
        inventory: "Pending",
        payment: "Pending",
        invoice: null,
        requestHash,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      const event = {
        type: "Orders.OrderPlaced.v2",
        subject: `orders/${orderId}`,
        data: { orderId, customerId: body.customerId, items: body.items, currency: body.currency, total, paymentMethodId: body.paymentMethodId },
      } as const;
      return { record, event };
    },
    accepted,
    whenExists: replayWhenSameRequest(requestHash, "ORDER.IDEMPOTENCY_KEY_REUSED", accepted),
  });
};
