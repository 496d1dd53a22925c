import { z } from "zod";
import * as orders from "./orders";

/** The three Event Grid topics: one per business domain. */
export const topicNames = ["orders", "users", "wallet"] as const;
export type TopicName = (typeof topicNames)[number];

export interface EventDefinition {
  /** zod schema of `data`; the TypeScript type is `z.infer` of it. */
  readonly schema: z.ZodType;
  /** The topic this event is published to. */
  readonly topic: TopicName;
  /** The only service allowed to publish this type (governance: one owner per event type). */
  readonly publisher: string;
  readonly description: string;
}

/**
 * Every event type the system knows, defined once. A breaking change is a new `.vN` entry; an old entry is never edited
 * in a breaking way, because events already in flight (retries last up to 24 h) still carry the old shape.
 */
export const eventCatalog = {
  "Orders.OrderPlaced.v1": {
    schema: orders.orderPlacedV1,
    topic: "orders",
    publisher: "orders",
    description: "A customer placed an order; stock and payment react in parallel.",
  },
  "Orders.OrderConfirmed.v1": {
    schema: orders.orderConfirmedV1,
    topic: "orders",
    publisher: "orders",
    description: "Stock is reserved and payment confirmed.",
  },
  "Orders.OrderCancelled.v1": {
    schema: orders.orderCancelledV1,
    topic: "orders",
    publisher: "orders",
    description: "Stock or payment failed; every service compensates what it did.",
  },
  "Inventory.StockReserved.v1": {
    schema: orders.stockReservedV1,
    topic: "orders",
    publisher: "inventory",
    description: "All items of an order are reserved.",
  },
  "Inventory.StockReservationFailed.v1": {
    schema: orders.stockReservationFailedV1,
    topic: "orders",
    publisher: "inventory",
    description: "At least one item was short; nothing was reserved.",
  },
  "Inventory.StockReleased.v1": {
    schema: orders.stockReleasedV1,
    topic: "orders",
    publisher: "inventory",
    description: "A reservation was given back after the order was cancelled.",
  },
  "Payments.PaymentConfirmed.v1": {
    schema: orders.paymentConfirmedV1,
    topic: "orders",
    publisher: "payments",
    description: "The payment gateway charged the customer.",
  },
  "Payments.PaymentFailed.v1": {
    schema: orders.paymentFailedV1,
    topic: "orders",
    publisher: "payments",
    description: "The charge was declined or not attempted because the order was already cancelled.",
  },
  "Payments.PaymentRefunded.v1": {
    schema: orders.paymentRefundedV1,
    topic: "orders",
    publisher: "payments",
    description: "A charge was refunded after the order was cancelled.",
  },
  "Invoicing.InvoiceSent.v1": {
    schema: orders.invoiceSentV1,
    topic: "orders",
    publisher: "invoicing",
    description: "An invoice was issued once payment was confirmed.",
  },
  "Invoicing.InvoiceVoided.v1": {
    schema: orders.invoiceVoidedV1,
    topic: "orders",
    publisher: "invoicing",
    description: "An issued invoice was voided because the order was cancelled.",
  },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof eventCatalog;
export const eventTypes = Object.keys(eventCatalog) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventCatalog)[T]["schema"]>;

export const isEventType = (type: string): type is EventType => Object.prototype.hasOwnProperty.call(eventCatalog, type);
