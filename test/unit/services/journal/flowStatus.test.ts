import { CloudEventEnvelope } from "#src/events/envelope";
import { stepOf } from "#src/services/journal/flowSteps";
import { summaryOfEvents } from "#src/services/journal/flowSummary";
import { statusOf, waitingFor } from "#src/services/journal/flowStatus";
import { QuietReaction, flowNames, flows } from "#src/flows";
import { listReactions, listSubscriptions } from "#src/topology";

/** What the flow view gives `waitingFor`: the flow its summary names, and the steps of its entries. */
const stepsOf = (events: readonly CloudEventEnvelope[]) => [summaryOfEvents(events, 100)?.flow ?? null, events.map(stepOf)] as const;

const deadlines = { order: 60_000, onboarding: 60_000, topUp: 60_000 };
const t0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
let n = 0;
const ev = (type: string, service: string, causationid?: string, seconds = n): CloudEventEnvelope => ({
  specversion: "1.0",
  id: `e${++n}`,
  source: `/services/${service}`,
  type,
  time: at(seconds),
  correlationid: "flow-1",
  ...(causationid ? { causationid } : {}),
  data: {},
});

describe("flow status and what a flow waits for", () => {
  beforeEach(() => (n = 0));

  it("an order just placed waits for inventory and payments, and is running until its deadline, then stalled", () => {
    const placed = ev("Orders.OrderPlaced.v2", "orders", undefined, 0);
    const summary = summaryOfEvents([placed], 100)!;
    expect(summary).toMatchObject({ flow: "order", ended: null, startedAt: at(0) });
    expect(waitingFor(...stepsOf([placed]))).toEqual(["inventory-reserveStockWhenOrderPlaced", "payments-chargePaymentWhenOrderPlaced"]);
    expect(statusOf(summary, deadlines, new Date(t0 + 60_000))).toBe("running");
    expect(statusOf(summary, deadlines, new Date(t0 + 60_001))).toBe("stalled");
  });

  it("a reaction stops waiting once its service published something caused by the event", () => {
    const placed = ev("Orders.OrderPlaced.v2", "orders", undefined, 0);
    const reserved = ev("Inventory.StockReserved.v1", "inventory", placed.id, 1);
    // The order service has nothing to say until the payment settles too: the flow waits for payments only.
    expect(waitingFor(...stepsOf([placed, reserved]))).toEqual(["payments-chargePaymentWhenOrderPlaced"]);
  });

  it("an event of another service with the same cause does not count as this reaction's outcome", () => {
    const placed = ev("Orders.OrderPlaced.v2", "orders", undefined, 0);
    const fromElsewhere = ev("Invoicing.InvoiceSent.v1", "invoicing", placed.id, 1);
    expect(waitingFor(...stepsOf([placed, fromElsewhere]))).toContain("inventory-reserveStockWhenOrderPlaced");
  });

  it("ends completed on the success outcome and failed on a failure outcome, whatever order the events arrive in", () => {
    const placed = ev("Orders.OrderPlaced.v2", "orders", undefined, 0);
    const confirmed = ev("Orders.OrderConfirmed.v1", "orders", placed.id, 2);
    expect(statusOf(summaryOfEvents([confirmed, placed], 100)!, deadlines, new Date(t0 + 3_600_000))).toBe("completed");
    const cancelled = ev("Orders.OrderCancelled.v1", "orders", placed.id, 2);
    const summary = summaryOfEvents([cancelled, placed], 100)!;
    expect(statusOf(summary, deadlines, new Date(t0))).toBe("failed");
    expect(summary).toMatchObject({ flow: "order", startedAt: at(0), endedAt: at(2), lastChangedAt: at(2) });
  });

  it("a stalled onboarding with the CRM down waits for exactly the CRM reaction", () => {
    const signedUp = ev("Users.UserSignedUp.v1", "users", undefined, 0);
    const events = [
      signedUp,
      ev("Email.WelcomeEmailSent.v1", "email", signedUp.id, 1),
      ev("Rewards.FreeCreditsAssigned.v1", "rewards", signedUp.id, 1),
    ];
    events.push(ev("Wallet.WalletCredited.v1", "ledger", events[2]!.id, 2));
    const summary = summaryOfEvents(events, 100)!;
    expect(waitingFor(...stepsOf(events))).toEqual(["crm-addContactWhenUserSignedUp"]);
    expect(statusOf(summary, deadlines, new Date(t0 + 120_000))).toBe("stalled");
  });
});

/** Builds a flow event by event; each event names its cause, as the reactions' events do. */
const flowOf = (flow = "flow-1") => {
  const events: CloudEventEnvelope[] = [];
  const emit = (type: string, service: string, cause?: CloudEventEnvelope): CloudEventEnvelope => {
    const event: CloudEventEnvelope = {
      specversion: "1.0",
      id: `${flow}-e${events.length + 1}`,
      source: `/services/${service}`,
      type,
      time: at(events.length),
      correlationid: flow,
      ...(cause ? { causationid: cause.id } : {}),
      data: {},
    };
    events.push(event);
    return event;
  };
  return { emit, summary: () => summaryOfEvents(events, 100)!, steps: () => stepsOf(events), events };
};

describe("what a flow waits for when reactions rightly publish nothing", () => {
  it("a confirmed and invoiced order waits for nothing", () => {
    const { emit, summary, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    emit("Inventory.StockReserved.v1", "inventory", placed);
    const confirmedPayment = emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Orders.OrderConfirmed.v1", "orders", confirmedPayment);
    emit("Invoicing.InvoiceSent.v1", "invoicing", confirmedPayment);
    expect(summary().ended).toBe("completed");
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("a confirmed order still waits for its invoice: completion does not excuse a reaction that owes an event", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    emit("Inventory.StockReserved.v1", "inventory", placed);
    const confirmedPayment = emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Orders.OrderConfirmed.v1", "orders", confirmedPayment);
    expect(waitingFor(...steps())).toEqual(["invoicing-sendInvoiceWhenPaymentConfirmed"]);
  });

  it("an order with both settlements in waits for the order service to decide", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    emit("Inventory.StockReserved.v1", "inventory", placed);
    const confirmedPayment = emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Invoicing.InvoiceSent.v1", "invoicing", confirmedPayment);
    expect(waitingFor(...steps())).toEqual(["orders-updateOrderWhenStockOrPaymentSettled"]);
  });

  it("an order cancelled for want of stock, paid and refunded, with no invoice (the cancellation came first), waits for nothing", () => {
    const { emit, summary, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    const rejected = emit("Inventory.StockReservationFailed.v1", "inventory", placed);
    const cancelled = emit("Orders.OrderCancelled.v1", "orders", rejected);
    emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Payments.PaymentRefunded.v1", "payments", cancelled);
    expect(summary().ended).toBe("failed");
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("a cancelled order whose invoice went out waits for the void, then for nothing", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    const rejected = emit("Inventory.StockReservationFailed.v1", "inventory", placed);
    const paid = emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Invoicing.InvoiceSent.v1", "invoicing", paid);
    const cancelled = emit("Orders.OrderCancelled.v1", "orders", rejected);
    emit("Payments.PaymentRefunded.v1", "payments", cancelled);
    expect(waitingFor(...steps())).toEqual(["invoicing-voidInvoiceWhenOrderCancelled"]);
    emit("Invoicing.InvoiceVoided.v1", "invoicing", cancelled);
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("a failed order still waits for a compensation that owes an event: the refund of a confirmed payment", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    const rejected = emit("Inventory.StockReservationFailed.v1", "inventory", placed);
    emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Orders.OrderCancelled.v1", "orders", rejected);
    expect(waitingFor(...steps())).toEqual(["payments-refundPaymentWhenOrderCancelled"]);
  });

  it("a declined payment with reserved stock waits for the stock release, and not for a refund", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    emit("Inventory.StockReserved.v1", "inventory", placed);
    const declined = emit("Payments.PaymentFailed.v1", "payments", placed);
    const cancelled = emit("Orders.OrderCancelled.v1", "orders", declined);
    expect(waitingFor(...steps())).toEqual(["inventory-releaseStockWhenOrderCancelled"]);
    emit("Inventory.StockReleased.v1", "inventory", cancelled);
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("a cancellation that overtook the OrderPlaced at inventory and payments leaves nothing waited for", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    const declined = emit("Payments.PaymentFailed.v1", "payments", placed);
    const cancelled = emit("Orders.OrderCancelled.v1", "orders", declined);
    // The release found no reservation and reported the inventory outcome; the later OrderPlaced reserves nothing.
    emit("Inventory.StockReservationFailed.v1", "inventory", cancelled);
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("a completed onboarding waits for nothing: not the wallet, the recipient, nor a notification for the bonus credit", () => {
    const { emit, summary, steps } = flowOf();
    const signedUp = emit("Users.UserSignedUp.v1", "users");
    emit("Email.WelcomeEmailSent.v1", "email", signedUp);
    emit("Crm.ContactAdded.v1", "crm", signedUp);
    const credits = emit("Rewards.FreeCreditsAssigned.v1", "rewards", signedUp);
    emit("Wallet.WalletCredited.v1", "ledger", credits);
    emit("Users.UserOnboarded.v1", "users", credits);
    expect(summary().ended).toBe("completed");
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("an onboarding with every step done waits for the users service to announce it", () => {
    const { emit, steps } = flowOf();
    const signedUp = emit("Users.UserSignedUp.v1", "users");
    emit("Email.WelcomeEmailSent.v1", "email", signedUp);
    emit("Crm.ContactAddFailed.v1", "crm", signedUp);
    emit("Rewards.FreeCreditsAssigned.v1", "rewards", signedUp);
    expect(waitingFor(...steps())).toEqual(["ledger-creditWalletWhenFreeCreditsAssigned", "users-trackOnboardingWhenStepCompleted"]);
  });

  it("a top-up credited and notified waits for nothing", () => {
    const { emit, steps } = flowOf();
    const initiated = emit("Wallet.TopUpInitiated.v2", "ledger");
    const paid = emit("Banking.BankPaymentSucceeded.v1", "banking", initiated);
    const credited = emit("Wallet.WalletCredited.v1", "ledger", paid);
    expect(waitingFor(...steps())).toEqual(["notifications-notifyUserWhenTopUpSettled"]);
    emit("Notifications.UserNotified.v1", "notifications", credited);
    expect(waitingFor(...steps())).toEqual([]);
  });

  it("until the starting event is journaled, quiet reactions count (the flow is not known yet); silent-by-manifest ones never do", () => {
    const { emit, steps, events } = flowOf();
    const signedUp = emit("Users.UserSignedUp.v1", "users");
    emit("Email.WelcomeEmailSent.v1", "email", signedUp);
    // Neither its start nor an outcome: no summary, no flow known.
    expect(summaryOfEvents(events.slice(1), 100)).toBeUndefined();
    expect(waitingFor(...stepsOf(events.slice(1)))).toEqual(["users-trackOnboardingWhenStepCompleted"]);
    expect(waitingFor(...steps())).not.toContain("ledger-openWalletWhenUserSignedUp");
    expect(waitingFor(...steps())).not.toContain("notifications-rememberRecipientWhenUserSignedUp");
  });

  it("a reaction with a dead letter or a poison record of the flow always counts", () => {
    const { emit, steps } = flowOf();
    const placed = emit("Orders.OrderPlaced.v2", "orders");
    emit("Inventory.StockReserved.v1", "inventory", placed);
    const paid = emit("Payments.PaymentConfirmed.v1", "payments", placed);
    emit("Orders.OrderConfirmed.v1", "orders", paid);
    emit("Invoicing.InvoiceSent.v1", "invoicing", paid);
    const subscription = listSubscriptions().find((s) => s.functionName === "journal-recordEventInJournal" && s.topic === "orders")!.name;
    expect(
      waitingFor(...steps(), {
        // Event Grid upper-cases the subscription in the blob path; the emulator does not.
        deadLetters: [{ subscription: subscription.toUpperCase() }, { subscription: "NO-SUCH-SUBSCRIPTION" }],
        poison: [{ container: "inventory", reaction: "reserveStockWhenOrderPlaced" }],
      }),
    ).toEqual(["inventory-reserveStockWhenOrderPlaced", "journal-recordEventInJournal"]);
    expect(waitingFor(...steps(), { deadLetters: null, poison: null })).toEqual([]);
  });
});

describe("the flows' quiet-reaction declarations", () => {
  const reactions = new Map(listReactions().map((r) => [r.functionName, r]));
  it.each(flowNames.flatMap((f) => Object.entries(flows[f].quietReactions as Readonly<Record<string, QuietReaction>>).map(([name, quiet]) => [f, name, quiet] as const)))(
    "%s: %s is a reaction of the manifest that publishes something, and its conditions can come true",
    (_flow, name, quiet) => {
      const reaction = reactions.get(name);
      expect(reaction?.eventTypes?.length).toBeGreaterThan(0);
      expect(reaction!.publishes.length).toBeGreaterThan(0);
      expect(quiet.reason.length).toBeGreaterThan(10);
      expect(quiet.owedOnceFlowHolds !== undefined || quiet.settledBy !== undefined).toBe(true);
    },
  );
});
