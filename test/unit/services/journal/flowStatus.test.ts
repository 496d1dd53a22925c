import { CloudEventEnvelope } from "../../../../src/events/envelope";
import { summaryOfEvents } from "../../../../src/services/journal/flowSummary";
import { statusOf, waitingFor } from "../../../../src/services/journal/flowStatus";

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
    const placed = ev("Orders.OrderPlaced.v1", "orders", undefined, 0);
    const summary = summaryOfEvents([placed], 100)!;
    expect(summary).toMatchObject({ flow: "order", eventCount: 1, ended: null, startedAt: at(0) });
    expect(waitingFor(summary.steps)).toEqual(["inventory-reserveStockWhenOrderPlaced", "payments-chargePaymentWhenOrderPlaced"]);
    expect(statusOf(summary, deadlines, new Date(t0 + 60_000))).toBe("running");
    expect(statusOf(summary, deadlines, new Date(t0 + 60_001))).toBe("stalled");
  });

  it("a reaction stops waiting once its service published something caused by the event", () => {
    const placed = ev("Orders.OrderPlaced.v1", "orders", undefined, 0);
    const reserved = ev("Inventory.StockReserved.v1", "inventory", placed.id, 1);
    const steps = summaryOfEvents([placed, reserved], 100)!.steps;
    expect(waitingFor(steps)).toEqual(["orders-updateOrderWhenStockOrPaymentSettled", "payments-chargePaymentWhenOrderPlaced"]);
  });

  it("an event of another service with the same cause does not count as this reaction's outcome", () => {
    const placed = ev("Orders.OrderPlaced.v1", "orders", undefined, 0);
    const fromElsewhere = ev("Invoicing.InvoiceSent.v1", "invoicing", placed.id, 1);
    expect(waitingFor(summaryOfEvents([placed, fromElsewhere], 100)!.steps)).toContain("inventory-reserveStockWhenOrderPlaced");
  });

  it("ends completed on the success outcome and failed on a failure outcome, whatever order the events arrive in", () => {
    const placed = ev("Orders.OrderPlaced.v1", "orders", undefined, 0);
    const confirmed = ev("Orders.OrderConfirmed.v1", "orders", placed.id, 2);
    expect(statusOf(summaryOfEvents([confirmed, placed], 100)!, deadlines, new Date(t0 + 3_600_000))).toBe("completed");
    const cancelled = ev("Orders.OrderCancelled.v1", "orders", placed.id, 2);
    const summary = summaryOfEvents([cancelled, placed], 100)!;
    expect(statusOf(summary, deadlines, new Date(t0))).toBe("failed");
    expect(summary).toMatchObject({ flow: "order", startedAt: at(0), lastEventAt: at(2), lastEventType: "Orders.OrderCancelled.v1", eventCount: 2 });
  });

  it("a stalled onboarding with the CRM down waits for the CRM reaction", () => {
    const signedUp = ev("Users.UserSignedUp.v1", "users", undefined, 0);
    const events = [
      signedUp,
      ev("Email.WelcomeEmailSent.v1", "email", signedUp.id, 1),
      ev("Rewards.FreeCreditsAssigned.v1", "rewards", signedUp.id, 1),
    ];
    const summary = summaryOfEvents(events, 100)!;
    expect(waitingFor(summary.steps)).toContain("crm-addContactWhenUserSignedUp");
    expect(waitingFor(summary.steps)).not.toContain("email-sendWelcomeEmailWhenUserSignedUp");
    expect(statusOf(summary, deadlines, new Date(t0 + 120_000))).toBe("stalled");
  });
});
