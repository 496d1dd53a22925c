import { z } from "zod";
import * as orders from "./orders";
import * as users from "./users";
import * as wallet from "./wallet";

/** The three Event Grid topics: one per business domain. */
export const topicNames = ["orders", "users", "wallet"] as const;
export type TopicName = (typeof topicNames)[number];

/**
 * Event Grid topics each topic is deployed as (docs/capacity.md, "Topics"): one custom topic takes 5,000 events/s, so a
 * topic whose flows publish more is spread over shards by flow (src/events/topicShards.ts). These counts carry
 * 10,000 order, 1,000 onboarding and 1,000 top-up flows/s under 0.7 of every Event Grid limit; the local stack runs
 * one shard per topic through the same code.
 */
export const topicShardCounts: Readonly<Record<TopicName, number>> = { orders: 16, users: 2, wallet: 2 };

export interface EventDefinition {
  /** zod schema of `data`; the TypeScript type is `z.infer` of it. */
  readonly schema: z.ZodType;
  /** The topic this event is published to. */
  readonly topic: TopicName;
  /** The only service allowed to publish this type (governance: one owner per event type). */
  readonly publisher: string;
  readonly description: string;
  /**
   * Paths into `data` (dot-separated, `[]` for every array element) holding personal data or secrets. The journal stores
   * and shows these events redacted (see redaction.ts); logs and dead-letter tools use the same list.
   */
  readonly sensitive: readonly string[];
}

/**
 * Every event type the system knows, defined once. A breaking change is a new `.vN` entry; an old entry is never edited
 * in a breaking way, because events already in flight (retries last up to 24 h) still carry the old shape.
 */
export const eventCatalog = {
  "Orders.OrderPlaced.v2": {
    schema: orders.orderPlacedV2,
    topic: "orders",
    publisher: "orders",
    description: "A customer placed an order; stock and payment react in parallel. The card is a reference only payments resolves.",
    sensitive: [],
  },
  "Orders.OrderConfirmed.v1": {
    schema: orders.orderConfirmedV1,
    topic: "orders",
    publisher: "orders",
    description: "Stock is reserved and payment confirmed.",
    sensitive: [],
  },
  "Orders.OrderCancelled.v1": {
    schema: orders.orderCancelledV1,
    topic: "orders",
    publisher: "orders",
    description: "Stock or payment failed; every service compensates what it did.",
    sensitive: [],
  },
  "Inventory.StockReserved.v1": {
    schema: orders.stockReservedV1,
    topic: "orders",
    publisher: "inventory",
    description: "All items of an order are reserved.",
    sensitive: [],
  },
  "Inventory.StockReservationFailed.v1": {
    schema: orders.stockReservationFailedV1,
    topic: "orders",
    publisher: "inventory",
    description: "At least one item was short; nothing was reserved.",
    sensitive: [],
  },
  "Inventory.StockReleased.v1": {
    schema: orders.stockReleasedV1,
    topic: "orders",
    publisher: "inventory",
    description: "A reservation was given back after the order was cancelled.",
    sensitive: [],
  },
  "Payments.PaymentConfirmed.v1": {
    schema: orders.paymentConfirmedV1,
    topic: "orders",
    publisher: "payments",
    description: "The payment gateway charged the customer.",
    sensitive: [],
  },
  "Payments.PaymentFailed.v1": {
    schema: orders.paymentFailedV1,
    topic: "orders",
    publisher: "payments",
    description: "The charge was declined or not attempted because the order was already cancelled.",
    sensitive: [],
  },
  "Payments.PaymentRefunded.v1": {
    schema: orders.paymentRefundedV1,
    topic: "orders",
    publisher: "payments",
    description: "A charge was refunded after the order was cancelled.",
    sensitive: [],
  },
  "Invoicing.InvoiceSent.v1": {
    schema: orders.invoiceSentV1,
    topic: "orders",
    publisher: "invoicing",
    description: "An invoice was issued once payment was confirmed.",
    sensitive: [],
  },
  "Invoicing.InvoiceVoided.v1": {
    schema: orders.invoiceVoidedV1,
    topic: "orders",
    publisher: "invoicing",
    description: "An issued invoice was voided because the order was cancelled.",
    sensitive: [],
  },
  "Users.UserSignedUp.v1": {
    schema: users.userSignedUpV1,
    topic: "users",
    publisher: "users",
    description: "A user signed up; welcome email, CRM contact and free credits follow in parallel.",
    sensitive: ["email", "name"],
  },
  "Email.WelcomeEmailSent.v1": {
    schema: users.welcomeEmailSentV1,
    topic: "users",
    publisher: "email",
    description: "The welcome email was handed to the email provider.",
    sensitive: [],
  },
  "Crm.ContactAdded.v1": {
    schema: users.contactAddedV1,
    topic: "users",
    publisher: "crm",
    description: "The user is a contact in the CRM (upserted by user id).",
    sensitive: [],
  },
  "Crm.ContactAddFailed.v1": {
    schema: users.contactAddFailedV1,
    topic: "users",
    publisher: "crm",
    description: "The CRM rejected the contact for good (a 4xx); outages are retried instead.",
    sensitive: [],
  },
  "Rewards.FreeCreditsAssigned.v1": {
    schema: users.freeCreditsAssignedV1,
    topic: "users",
    publisher: "rewards",
    description: "The sign-up bonus was granted; the ledger credits it to the user's wallet.",
    sensitive: [],
  },
  "Users.UserOnboarded.v1": {
    schema: users.userOnboardedV1,
    topic: "users",
    publisher: "users",
    description: "Welcome email, CRM contact and free credits are all done.",
    sensitive: [],
  },
  "Wallet.TopUpInitiated.v2": {
    schema: wallet.topUpInitiatedV2,
    topic: "wallet",
    publisher: "ledger",
    description: "A user asked to top up their wallet from their bank, named by a reference only banking resolves.",
    sensitive: [],
  },
  "Banking.BankPaymentSucceeded.v1": {
    schema: wallet.bankPaymentSucceededV1,
    topic: "wallet",
    publisher: "banking",
    description: "The bank transferred the top-up amount.",
    sensitive: [],
  },
  "Banking.BankPaymentDeclined.v1": {
    schema: wallet.bankPaymentDeclinedV1,
    topic: "wallet",
    publisher: "banking",
    description: "The bank declined the top-up payment.",
    sensitive: [],
  },
  "Wallet.WalletCredited.v1": {
    schema: wallet.walletCreditedV1,
    topic: "wallet",
    publisher: "ledger",
    description: "A ledger entry credited the wallet (a top-up or a free-credit grant), once per cause.",
    sensitive: [],
  },
  "Wallet.TopUpFailed.v1": {
    schema: wallet.topUpFailedV1,
    topic: "wallet",
    publisher: "ledger",
    description: "A top-up ended without credit because the bank declined it.",
    sensitive: [],
  },
  "Notifications.UserNotified.v1": {
    schema: wallet.userNotifiedV1,
    topic: "wallet",
    publisher: "notifications",
    description: "The user was emailed the outcome of a top-up.",
    sensitive: [],
  },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof eventCatalog;
export const eventTypes = Object.keys(eventCatalog) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventCatalog)[T]["schema"]>;

export const isEventType = (type: string): type is EventType => Object.prototype.hasOwnProperty.call(eventCatalog, type);
