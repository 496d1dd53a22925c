import { EventType, TopicName, eventCatalog, topicNames } from "./events/catalog";
import { flowNames, flows } from "./flows";
import { TopicLayout, deployedTopicLayout, shardsOf } from "./events/topicShards";
import { DeliveryPolicy, Manifest, ReactionSpec, ServiceSpec, TimerSpec, defaultDelivery, functionNameOf, outboxRelay } from "./platform/manifest";

export { functionNameOf, outboxRelay };
export type { DeliveryPolicy, HttpRouteSpec, ReactionSpec, ServiceSpec, TimerSpec } from "./platform/manifest";
export { defaultDelivery } from "./platform/manifest";

/**
 * Services that move money compare their records with the outside system's on this schedule and repair what a crash
 * left unrecorded (see reconcilePaymentsWithGateway / reconcileBankPayments).
 */
const reconciliationSchedule = "0 */10 * * * *";

/**
 * The manifest: which reaction of which service listens to which event types. Everything else is derived from it —
 * the `app.eventGrid(...)` / `app.http(...)` registrations, the Bicep subscriptions (infra/generated/*.json), the local
 * Event Grid emulator's routing and the event catalog in the README. Tests fail when any of them drifts.
 */
export const services = {
  orders: {
    description: "Takes orders over HTTP and keeps each order's status from the events of the other services.",
    container: "orders",
    reactions: [
      {
        name: "updateOrderWhenStockOrPaymentSettled",
        on: [
          "Inventory.StockReserved.v1",
          "Inventory.StockReservationFailed.v1",
          "Inventory.StockReleased.v1",
          "Payments.PaymentConfirmed.v1",
          "Payments.PaymentFailed.v1",
          "Payments.PaymentRefunded.v1",
          "Invoicing.InvoiceSent.v1",
          "Invoicing.InvoiceVoided.v1",
        ],
        publishes: ["Orders.OrderConfirmed.v1", "Orders.OrderCancelled.v1"],
        // OrderCancelled → compensations (StockReleased, PaymentRefunded, InvoiceVoided) → back here.
        boundsCycle:
          "publishes only when the order leaves Pending, so at most once per order; the compensations that follow find it Cancelled and publish nothing",
      },
    ],
    http: [
      { name: "placeOrder", methods: ["POST"], route: "orders" },
      { name: "getOrder", methods: ["GET"], route: "orders/{orderId}" },
    ],
  },
  inventory: {
    description: "Reserves all items of an order or none, never oversells, releases stock of cancelled orders.",
    container: "inventory",
    reactions: [
      { name: "reserveStockWhenOrderPlaced", on: ["Orders.OrderPlaced.v2"], publishes: ["Inventory.StockReserved.v1", "Inventory.StockReservationFailed.v1"] },
      {
        name: "releaseStockWhenOrderCancelled",
        on: ["Orders.OrderCancelled.v1"],
        // StockReservationFailed (OrderAlreadyCancelled) when the cancellation overtook the OrderPlaced.
        publishes: ["Inventory.StockReleased.v1", "Inventory.StockReservationFailed.v1"],
      },
    ],
    http: [
      { name: "setStockLevel", methods: ["PUT"], route: "inventory/{sku}" },
      { name: "getStockLevel", methods: ["GET"], route: "inventory/{sku}" },
    ],
  },
  payments: {
    description: "Charges the customer through the payment gateway and refunds cancelled orders.",
    container: "payments",
    reactions: [
      { name: "chargePaymentWhenOrderPlaced", on: ["Orders.OrderPlaced.v2"], publishes: ["Payments.PaymentConfirmed.v1", "Payments.PaymentFailed.v1", "Payments.PaymentRefunded.v1"] },
      {
        name: "refundPaymentWhenOrderCancelled",
        on: ["Orders.OrderCancelled.v1"],
        // decidePayment (settlePayment.ts) is shared with the charge, so all three outcomes are declared: the graph
        // must over-approximate what the code can publish, never miss an edge.
        publishes: ["Payments.PaymentRefunded.v1", "Payments.PaymentFailed.v1", "Payments.PaymentConfirmed.v1"],
      },
    ],
    http: [{ name: "registerPaymentMethod", methods: ["POST"], route: "payment-methods" }],
    timers: [{ name: "reconcilePaymentsWithGateway", schedule: reconciliationSchedule }],
  },
  invoicing: {
    description: "Issues the invoice once payment is confirmed and voids it when the order is cancelled.",
    container: "invoicing",
    reactions: [
      { name: "sendInvoiceWhenPaymentConfirmed", on: ["Payments.PaymentConfirmed.v1"], publishes: ["Invoicing.InvoiceSent.v1"] },
      { name: "voidInvoiceWhenOrderCancelled", on: ["Orders.OrderCancelled.v1"], publishes: ["Invoicing.InvoiceVoided.v1"] },
    ],
    http: [],
  },
  journal: {
    description: "Records every event per correlation id so one business flow can be followed across services.",
    container: "journal",
    reactions: [{ name: "recordEventInJournal", on: "all", publishes: [], maxEventsPerBatch: 10 }],
    http: [
      { name: "listFlows", methods: ["GET"], route: "flows" },
      { name: "getFlow", methods: ["GET"], route: "flows/{correlationId}" },
      { name: "getFlowDiagram", methods: ["GET"], route: "flows/{correlationId}/diagram" },
      { name: "getDashboard", methods: ["GET"], route: "dashboard" },
      { name: "getEventMap", methods: ["GET"], route: "event-map" },
    ],
    // Stalled flows raise their hand without anyone reading the flows: a warning and the stalled-flows metric, once.
    timers: [{ name: "warnStalledFlows", schedule: "0 * * * * *" }],
  },
  users: {
    description: "Signs users up over HTTP (one user per email) and keeps each user's onboarding status.",
    container: "users",
    reactions: [
      {
        name: "trackOnboardingWhenStepCompleted",
        on: ["Email.WelcomeEmailSent.v1", "Crm.ContactAdded.v1", "Crm.ContactAddFailed.v1", "Rewards.FreeCreditsAssigned.v1"],
        publishes: ["Users.UserOnboarded.v1"],
      },
    ],
    http: [
      { name: "signUpUser", methods: ["POST"], route: "users" },
      { name: "getUser", methods: ["GET"], route: "users/{userId}" },
    ],
  },
  email: {
    description: "Sends the welcome email through the email provider, once per user.",
    container: "email",
    reactions: [{ name: "sendWelcomeEmailWhenUserSignedUp", on: ["Users.UserSignedUp.v1"], publishes: ["Email.WelcomeEmailSent.v1"] }],
    http: [],
  },
  crm: {
    description: "Upserts the user as a CRM contact; outages are retried, rejections reported.",
    container: "crm",
    reactions: [{ name: "addContactWhenUserSignedUp", on: ["Users.UserSignedUp.v1"], publishes: ["Crm.ContactAdded.v1", "Crm.ContactAddFailed.v1"] }],
    http: [],
  },
  rewards: {
    description: "Grants the sign-up bonus (free credits) once per user.",
    container: "rewards",
    reactions: [{ name: "assignFreeCreditsWhenUserSignedUp", on: ["Users.UserSignedUp.v1"], publishes: ["Rewards.FreeCreditsAssigned.v1"] }],
    http: [],
  },
  banking: {
    description: "Collects top-up payments from the user's bank, one bank payment per top-up.",
    container: "banking",
    reactions: [{ name: "requestBankPaymentWhenTopUpInitiated", on: ["Wallet.TopUpInitiated.v2"], publishes: ["Banking.BankPaymentSucceeded.v1", "Banking.BankPaymentDeclined.v1"] }],
    http: [{ name: "registerFundingSource", methods: ["POST"], route: "funding-sources" }],
    timers: [{ name: "reconcileBankPayments", schedule: reconciliationSchedule }],
  },
  ledger: {
    description: "Owns wallets: takes top-ups over HTTP and credits each grant or top-up exactly once.",
    container: "ledger",
    reactions: [
      { name: "openWalletWhenUserSignedUp", on: ["Users.UserSignedUp.v1"], publishes: [] },
      { name: "creditWalletWhenFreeCreditsAssigned", on: ["Rewards.FreeCreditsAssigned.v1"], publishes: ["Wallet.WalletCredited.v1"] },
      { name: "settleTopUpWhenBankPaymentSettled", on: ["Banking.BankPaymentSucceeded.v1", "Banking.BankPaymentDeclined.v1"], publishes: ["Wallet.WalletCredited.v1", "Wallet.TopUpFailed.v1"] },
    ],
    http: [
      { name: "initiateTopUp", methods: ["POST"], route: "wallets/{walletId}/top-ups" },
      { name: "getTopUp", methods: ["GET"], route: "wallets/{walletId}/top-ups/{topUpId}" },
      { name: "getWallet", methods: ["GET"], route: "wallets/{walletId}" },
    ],
  },
  notifications: {
    description: "Emails users the outcome of their top-ups.",
    container: "notifications",
    reactions: [
      { name: "rememberRecipientWhenUserSignedUp", on: ["Users.UserSignedUp.v1"], publishes: [] },
      { name: "notifyUserWhenTopUpSettled", on: ["Wallet.WalletCredited.v1", "Wallet.TopUpFailed.v1"], publishes: ["Notifications.UserNotified.v1"] },
    ],
    http: [],
  },
} as const satisfies Record<string, ServiceSpec>;

export type ServiceName = keyof typeof services;
export const serviceNames = Object.keys(services) as ServiceName[];

/** A reaction's Function name, `<service>-<reaction>`, as the manifest lists it: a misspelt one does not compile. */
export type ReactionFunctionName = { [S in ServiceName]: `${S}-${(typeof services)[S]["reactions"][number]["name"]}` }[ServiceName];

/** The manifest as plain specs, for code that walks every service alike (the literal types stay on `services`). */
const specs: Readonly<Record<ServiceName, ServiceSpec>> = services;

/** A service's reactions as plain specs. */
export const reactionSpecsOf = (service: ServiceName): readonly ReactionSpec[] => specs[service].reactions;

/**
 * Whether a service publishes: a reaction whose decisions publish (a reconciliation timer publishes on behalf of such a
 * reaction), or an HTTP command starting a flow whose first event the service owns (src/flows.ts). Such a service gets
 * the outbox relay. Only flow starts and timers write outbox documents (a reaction's events ride in its delivery's
 * inbox record, which Event Grid's redelivery publishes again), so for a service whose reactions alone publish the
 * relay is a cheap query that finds nothing; the rule is kept simple rather than exact. A service that never publishes
 * (the journal) gets none.
 */
export const publishesEvents = (service: ServiceName): boolean =>
  reactionSpecsOf(service).some((r) => r.publishes.length > 0) ||
  flowNames.some((f) => eventCatalog[flows[f].startedBy].publisher === service);

/** The timers registered for a service: the outbox relay when it publishes, then its own. */
export const timersOf = (service: ServiceName): readonly TimerSpec[] => [
  ...(publishesEvents(service) ? [outboxRelay] : []),
  ...(specs[service].timers ?? []),
];

export interface ReactionBinding extends ReactionSpec {
  readonly service: ServiceName;
  /** Function name as registered with the Functions host: `<service>-<reaction>`. */
  readonly functionName: string;
  /** `undefined` = every event type. */
  readonly eventTypes: readonly EventType[] | undefined;
  readonly topics: readonly TopicName[];
}

export const topicsOfEventTypes = (types: readonly EventType[] | "all"): TopicName[] =>
  types === "all" ? [...topicNames] : topicNames.filter((t) => types.some((type) => eventCatalog[type].topic === t));

export const listReactions = (): ReactionBinding[] =>
  serviceNames.flatMap((service) =>
    reactionSpecsOf(service).map((r) => ({
      ...r,
      service,
      functionName: functionNameOf(service, r.name),
      eventTypes: r.on === "all" ? undefined : r.on,
      topics: topicsOfEventTypes(r.on),
    })),
  );

export interface SubscriptionBinding {
  /** Event Grid subscription name (3–64 chars, letters, digits, hyphens). */
  readonly name: string;
  readonly topic: TopicName;
  /** The Event Grid topic it is created on: one shard of `topic` (src/events/topicShards.ts). */
  readonly shard: string;
  readonly service: ServiceName;
  readonly functionName: string;
  /** `undefined` = every event type of the topic. */
  readonly includedEventTypes: readonly EventType[] | undefined;
  readonly maxEventsPerBatch: number;
  readonly delivery: DeliveryPolicy;
}

/**
 * One Event Grid subscription per (reaction, shard of each topic it listens on), filtered to the event types of that
 * topic: every shard has every subscription of its topic. By default the deployed layout; the local stack passes its own.
 */
export const listSubscriptions = (layout: TopicLayout = deployedTopicLayout): SubscriptionBinding[] =>
  listReactions().flatMap((r) =>
    r.topics.flatMap((topic) => shardsOf(topic, layout).map((shard) => ({
      name: subscriptionNameOf(r.functionName, shard),
      topic,
      shard,
      service: r.service,
      functionName: r.functionName,
      includedEventTypes: r.eventTypes?.filter((t) => eventCatalog[t].topic === topic),
      maxEventsPerBatch: r.maxEventsPerBatch ?? 1,
      delivery: { ...defaultDelivery, ...r.delivery },
    }))),
  );

const subscriptionNameOf = (functionName: string, topic: string): string => {
  const name = `${topic}-${functionName}`.replace(/[^A-Za-z0-9-]/g, "-");
  // Event Grid caps subscription names at 64 characters; keep the readable head and a stable hash tail.
  return name.length <= 64 ? name : `${name.slice(0, 55)}-${shortHash(name)}`;
};

const shortHash = (s: string): string => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, "0");
};

/** Topics a service publishes to: the topics of the event types it owns in the catalog. */
export const topicsPublishedBy = (service: ServiceName): TopicName[] =>
  topicNames.filter((t) =>
    Object.values(eventCatalog).some((d: { topic: string; publisher: string }) => d.publisher === service && d.topic === t),
  );

/** The Event Grid topics (shards) a service publishes to in `layout`: every shard of every topic it publishes to. */
export const topicShardsPublishedBy = (service: ServiceName, layout: TopicLayout = deployedTopicLayout): string[] =>
  topicsPublishedBy(service).flatMap((t) => shardsOf(t, layout));

/** The manifest as the platform takes it (registerServices). */
export const manifest: Manifest = { services, timersOf: (service) => timersOf(service as ServiceName) };

/** Parses the `SERVICES` app setting: empty or `*` selects every service; an unknown name is a startup error. */
export const selectServices = (setting: string | undefined): ServiceName[] => {
  const raw = (setting ?? "").trim();
  if (raw === "" || raw === "*") return [...serviceNames];
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in services));
  if (unknown.length > 0) {
    throw new Error(`SERVICES names unknown service(s): ${unknown.join(", ")}. Known: ${serviceNames.join(", ")}`);
  }
  return names as ServiceName[];
};
