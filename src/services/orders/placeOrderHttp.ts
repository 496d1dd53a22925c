import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { currencySchema, fromCents, toCents } from "../../events/money";
import { orderItemSchema } from "../../events/orders";
import { ConcurrencyConflictError, ConflictError } from "../../platform/errors";
import { idempotencyKeySchema, json, readJsonBody, readParam } from "../../platform/http";
import { commitAndPublish, flowStartingEvent } from "../../platform/flowStart";
import { deterministicId } from "../../platform/ids";
import { outboxDocumentId, publishPendingOutboxOfPartition } from "../../platform/outbox";
import { HttpHandler } from "../../platform/serviceModule";
import { OrderDocument, orderDocumentId } from "./documents";

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
    paymentToken: z.string().min(1).max(100),
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
export const placeOrder: HttpHandler<unknown> = async (request, { store, publisher, clock }, context) => {
  const body = await readJsonBody(request, placeOrderBody);
  const key = request.headers.get("idempotency-key");
  const idempotencyKey = key === null ? undefined : readParam("Idempotency-Key", key, idempotencyKeySchema);
  const requestHash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
  const orderId = idempotencyKey ? deterministicId("order", idempotencyKey) : randomUUID();

  const existing = await store.readDocument<OrderDocument>(orderDocumentId(orderId), orderId);
  if (existing) return replay(existing, requestHash, () => publishPendingOutboxOfPartition(store, publisher, orderId, [outboxDocumentId(placedEventId(orderId))], clock()));

  const now = clock();
  const total = fromCents(orderTotalInCents(body.items));
  const correlationId = deterministicId("flow", orderId);
  const order: OrderDocument = {
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
  const event = flowStartingEvent({
    service: "orders",
    event: {
      type: "Orders.OrderPlaced.v1",
      subject: `orders/${orderId}`,
      data: { orderId, customerId: body.customerId, items: body.items, currency: body.currency, total, paymentToken: body.paymentToken },
    },
    eventId: placedEventId(orderId),
    correlationId,
    now,
    callerTraceparent: request.headers.get("traceparent"),
  });
  try {
    await commitAndPublish({ store, publisher }, orderId, [{ op: "create", document: order }], event, (m, e) => context.warn(m, e));
  } catch (error) {
    if (!(error instanceof ConcurrencyConflictError)) throw error;
    // Two requests with the same key raced; the winner's order is the answer.
    const winner = await store.readDocument<OrderDocument>(orderDocumentId(orderId), orderId);
    if (!winner) throw error;
    return replay(winner, requestHash, async () => 0);
  }
  return accepted(order);
};

const placedEventId = (orderId: string): string => deterministicId("Orders.OrderPlaced.v1", orderId);

const replay = async (order: OrderDocument, requestHash: string, republish: () => Promise<unknown>) => {
  if (order.requestHash !== requestHash) {
    throw new ConflictError("ORDER.IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was already used with a different request body");
  }
  await republish();
  return accepted(order);
};
