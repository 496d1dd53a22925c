import { apiReplies } from "../../dev/apiReplies";
import { EventType } from "../../src/events/catalog";
import { FlowName } from "../../src/flows";
import { ApiClient } from "./client";

/** Tokens that make the outside systems answer each way; locally the simulators' (dev/simulators), else from env. */
export interface OutsideAnswers {
  readonly cardAccepted: string;
  readonly cardDeclined: string;
  readonly bankAccepts: string;
  readonly bankDeclines: string;
  /** The CRM refuses contacts at this e-mail domain. */
  readonly crmRefusedDomain: string;
}

export const outsideAnswersFrom = (env: NodeJS.ProcessEnv): OutsideAnswers => ({
  cardAccepted: env.VERIFY_CARD_ACCEPTED ?? "tok_visa",
  cardDeclined: env.VERIFY_CARD_DECLINED ?? "tok_decline",
  bankAccepts: env.VERIFY_BANK_ACCEPTS ?? "bank_ok",
  bankDeclines: env.VERIFY_BANK_DECLINES ?? "bank_decline",
  crmRefusedDomain: env.VERIFY_CRM_REFUSED_DOMAIN ?? "crm-reject.example",
});

export interface ScenarioContext {
  readonly api: ApiClient;
  /** Unique to this scenario, so SKUs, customers and users never meet another run's. */
  readonly id: string;
  readonly answers: OutsideAnswers;
  /** How long the flow may take before it counts as broken: its deadline on this target. */
  readonly deadlineInMs: number;
}

/** What a scenario checked, and the flow it ran (its correlation id), for the table and for a timeline. */
export interface ScenarioOutcome {
  readonly facts: string;
  readonly correlationId: string;
}

/**
 * One path through a flow: starts it, waits for its outcome, checks what a user would; throws naming what is wrong.
 * Each flow's first scenario is its success path (`npm run demo` runs those).
 */
export interface Scenario {
  readonly name: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

class Violation extends Error {}
const check = (ok: boolean, fact: string): void => {
  if (!ok) throw new Violation(fact);
};

/** Waits until the flow's journal holds `outcome`: the flow ended the way the scenario says, as its events show. */
const outcomeRecorded = async ({ api, deadlineInMs }: ScenarioContext, correlationId: string, outcome: EventType): Promise<void> => {
  await api.until(`the flow's ${outcome}`, "journal", `flows/${correlationId}`, apiReplies.flow, (f) => f.events.some((e) => e.type === outcome), deadlineInMs);
};

const cents = (amount: number): number => Math.round(amount * 100);

// ---- order: OrderPlaced → stock ∥ payment → invoice → OrderConfirmed, or OrderCancelled and compensation ----

const placeOrder = async (c: ScenarioContext, stock: number, quantity: number, paymentToken: string) => {
  const sku = `VERIFY-${c.id}`;
  const customerId = `verify-${c.id}`;
  c.api.expect("set stock", await c.api.call("PUT", "inventory", `inventory/${sku}`, { available: stock }), 200, apiReplies.stockLevel);
  // The card token goes to payments alone; the order names it by reference.
  const { paymentMethodId } = c.api.expect(
    "register the card",
    await c.api.call("POST", "payments", "payment-methods", { customerId, paymentToken }),
    201,
    apiReplies.paymentMethod,
  );
  const order = c.api.expect(
    "place the order",
    await c.api.call(
      "POST",
      "orders",
      "orders",
      { customerId, items: [{ sku, quantity, unitPrice: 10.5 }], currency: "EUR", paymentMethodId },
      { "Idempotency-Key": `verify-${c.id}` },
    ),
    202,
    apiReplies.orderAccepted,
  );
  return { sku, ...order };
};

const SETTLED_PAYMENT_OF_CANCELLED = ["Declined", "Refunded", "NotCharged"];
const SETTLED_INVENTORY_OF_CANCELLED = ["Rejected", "Released", "NotReserved"];

/**
 * Cancelled, with the charge, the stock and any invoice given back: the compensation is over, not just begun. An invoice
 * goes out when the payment is confirmed, so an order cancelled for want of stock may read `Sent` until the
 * cancellation reaches invoicing and voids it: that is the compensation under way, and the scenario waits for it.
 */
const cancelledAndSettled = async (c: ScenarioContext, order: { orderId: string; correlationId: string; sku: string }, stockSet: number) => {
  const view = await c.api.until(
    "the cancelled order's compensation",
    "orders",
    `orders/${order.orderId}`,
    apiReplies.order,
    (o) =>
      o.status === "Confirmed" ||
      (o.status === "Cancelled" &&
        SETTLED_PAYMENT_OF_CANCELLED.includes(o.payment) &&
        SETTLED_INVENTORY_OF_CANCELLED.includes(o.inventory) &&
        (o.invoice === null || o.invoice.status === "Voided")),
    c.deadlineInMs,
  );
  check(view.status === "Cancelled", `order ${order.orderId} is ${view.status}, expected Cancelled`);
  const stock = await c.api.until("the stock given back", "inventory", `inventory/${order.sku}`, apiReplies.stockLevel, (s) => s.reserved === 0, c.deadlineInMs);
  check(stock.available === stockSet, `stock of ${order.sku}: available ${stock.available}, expected all ${stockSet} back`);
  await outcomeRecorded(c, order.correlationId, "Orders.OrderCancelled.v1");
  return view;
};

const orderScenarios: readonly Scenario[] = [
  {
    name: "confirmed: stock reserved, card charged, invoice sent",
    async run(c) {
      const order = await placeOrder(c, 5, 2, c.answers.cardAccepted);
      const view = await c.api.until("the order", "orders", `orders/${order.orderId}`, apiReplies.order, (o) => o.status !== "Pending" && (o.status !== "Confirmed" || o.invoice !== null), c.deadlineInMs);
      check(view.status === "Confirmed", `order is ${view.status} (inventory ${view.inventory}, payment ${view.payment}), expected Confirmed`);
      check(view.inventory === "Reserved" && view.payment === "Charged", `inventory ${view.inventory}, payment ${view.payment}`);
      check(view.invoice?.status === "Sent", `invoice ${view.invoice?.status ?? "missing"}`);
      const stock = c.api.expect("read the stock", await c.api.call("GET", "inventory", `inventory/${order.sku}`), 200, apiReplies.stockLevel);
      check(stock.available === 3 && stock.reserved === 2, `stock available ${stock.available} reserved ${stock.reserved}, expected 3 + 2 of 5`);
      await outcomeRecorded(c, order.correlationId, "Orders.OrderConfirmed.v1");
      return { facts: "Confirmed, Reserved + Charged, invoice Sent, stock 3 + 2 = 5, OrderConfirmed recorded", correlationId: order.correlationId };
    },
  },
  {
    name: "out of stock: cancelled, any charge refunded",
    async run(c) {
      const order = await placeOrder(c, 1, 2, c.answers.cardAccepted);
      const view = await cancelledAndSettled(c, order, 1);
      check(view.inventory === "Rejected", `inventory ${view.inventory}, expected Rejected`);
      check(view.payment !== "Declined", `payment ${view.payment}: the card was good`);
      return { facts: `Cancelled, inventory Rejected, payment ${view.payment}, stock 1 untouched, OrderCancelled recorded`, correlationId: order.correlationId };
    },
  },
  {
    name: "card declined: cancelled, stock released",
    async run(c) {
      const order = await placeOrder(c, 5, 1, c.answers.cardDeclined);
      const view = await cancelledAndSettled(c, order, 5);
      check(view.payment === "Declined", `payment ${view.payment}, expected Declined`);
      return { facts: `Cancelled, payment Declined, inventory ${view.inventory}, stock 5 back, OrderCancelled recorded`, correlationId: order.correlationId };
    },
  },
];

// ---- onboarding: UserSignedUp → welcome email ∥ CRM contact ∥ free credits → UserOnboarded ----

const signUp = async (c: ScenarioContext, domain = "example.com") =>
  c.api.expect("sign up", await c.api.call("POST", "users", "users", { email: `verify-${c.id}@${domain}`, name: "Verify User" }), 202, apiReplies.userAccepted);

/** The wallet once it holds its first entry (the free credits), checked to equal the sum of its entries. */
const walletOf = async (c: ScenarioContext, userId: string, ready: (balance: number) => boolean = (b) => b > 0) => {
  const wallet = await c.api.until("the wallet", "ledger", `wallets/${userId}`, apiReplies.wallet, (w) => ready(w.balance), c.deadlineInMs);
  const sum = wallet.entries.reduce((total, e) => total + cents(e.amount), 0);
  check(cents(wallet.balance) === sum, `wallet ${userId}: balance ${wallet.balance} ≠ Σ entries ${sum / 100}`);
  return wallet;
};

const onboarded = async (c: ScenarioContext, domain?: string) => {
  const user = await signUp(c, domain);
  const view = await c.api.until("the sign-up", "users", `users/${user.userId}`, apiReplies.user, (u) => u.status === "Onboarded", c.deadlineInMs);
  await outcomeRecorded(c, user.correlationId, "Users.UserOnboarded.v1");
  return { ...user, view };
};

const onboardingScenarios: readonly Scenario[] = [
  {
    name: "onboarded: welcome email, CRM contact, free credits in the wallet",
    async run(c) {
      const user = await onboarded(c);
      const { welcomeEmail, crm, credits } = user.view.onboarding;
      check(welcomeEmail === "Sent" && crm === "Added" && credits === "Assigned", `steps ${JSON.stringify(user.view.onboarding)}`);
      const wallet = await walletOf(c, user.userId);
      return { facts: `Onboarded, email Sent, CRM Added, credits Assigned, wallet ${wallet.balance} = Σ ${wallet.entries.length} entries`, correlationId: user.correlationId };
    },
  },
  {
    name: "CRM refuses the contact: onboarded all the same",
    async run(c) {
      const user = await onboarded(c, c.answers.crmRefusedDomain);
      const { welcomeEmail, crm, credits } = user.view.onboarding;
      check(crm === "Failed", `CRM step ${crm}, expected Failed`);
      check(welcomeEmail === "Sent" && credits === "Assigned", `steps ${JSON.stringify(user.view.onboarding)}`);
      return { facts: "Onboarded, CRM Failed, email Sent, credits Assigned", correlationId: user.correlationId };
    },
  },
];

// ---- topUp: TopUpInitiated → bank payment → ledger credit (or TopUpFailed) → the user is notified ----

const topUp = async (c: ScenarioContext, bankToken: string, amount: number) => {
  const user = await onboarded(c);
  const before = await walletOf(c, user.userId);
  // The bank token goes to banking alone; the top-up names it by reference.
  const { fundingSourceId } = c.api.expect(
    "register the bank account",
    await c.api.call("POST", "banking", "funding-sources", { walletId: user.userId, bankToken }),
    201,
    apiReplies.fundingSource,
  );
  const started = c.api.expect(
    "top up",
    await c.api.call("POST", "ledger", `wallets/${user.userId}/top-ups`, { amount, currency: "EUR", fundingSourceId }, { "Idempotency-Key": `verify-topup-${c.id}` }),
    202,
    apiReplies.topUpAccepted,
  );
  const done = await c.api.until("the top-up", "ledger", `wallets/${user.userId}/top-ups/${started.topUpId}`, apiReplies.topUp, (t) => t.status !== "Initiated", c.deadlineInMs);
  return { user, before, started, done };
};

const topUpScenarios: readonly Scenario[] = [
  {
    name: "bank pays: wallet credited, user notified",
    async run(c) {
      const { user, before, started, done } = await topUp(c, c.answers.bankAccepts, 25.5);
      check(done.status === "Succeeded", `top-up ${done.status}, expected Succeeded`);
      const after = await walletOf(c, user.userId, (b) => cents(b) !== cents(before.balance));
      check(cents(after.balance) === cents(before.balance) + cents(25.5), `balance ${before.balance} → ${after.balance}, expected +25.5`);
      await outcomeRecorded(c, started.correlationId, "Notifications.UserNotified.v1");
      return { facts: `Succeeded, balance ${before.balance} → ${after.balance} = Σ entries, UserNotified recorded`, correlationId: started.correlationId };
    },
  },
  {
    name: "bank declines: top-up failed, balance unchanged",
    async run(c) {
      const { user, before, started, done } = await topUp(c, c.answers.bankDeclines, 12);
      check(done.status === "Failed", `top-up ${done.status}, expected Failed`);
      await outcomeRecorded(c, started.correlationId, "Wallet.TopUpFailed.v1");
      const after = await walletOf(c, user.userId);
      check(cents(after.balance) === cents(before.balance), `balance ${before.balance} → ${after.balance}, expected unchanged`);
      return { facts: `Failed, balance ${after.balance} unchanged = Σ entries, TopUpFailed recorded`, correlationId: started.correlationId };
    },
  },
];

/** Every flow of src/flows.ts with its paths: a flow added there does not compile here until it has scenarios. */
export const scenarios: { readonly [F in FlowName]: readonly Scenario[] } = {
  order: orderScenarios,
  onboarding: onboardingScenarios,
  topUp: topUpScenarios,
};

export const isViolation = (error: unknown): boolean => error instanceof Violation;
