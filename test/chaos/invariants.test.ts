import { ChaosObservation, checkInvariants } from "#scripts/chaos/invariants";
import { buildChaosPlan, shortChaosOptions } from "#scripts/chaos/plan";
import { welcomeEmail } from "#src/services/email/welcomeEmail";

/** The chaos suite's invariant checker on hand-made observations: each breach it must catch, it catches. */
describe("chaos invariants", () => {
  const basePlan = buildChaosPlan({ ...shortChaosOptions, flows: 4 });
  const welcome = welcomeEmail({ userId: "u1", email: "a@example.com", name: "Ann" }, "m1");

  const healthy = (): ChaosObservation => ({
    plan: { ...basePlan, stock: { A: 5 } },
    freeCreditsAmount: 10,
    rejected: [],
    quiescence: { reached: true },
    orders: [
      { orderId: "o1", correlationId: "c-o1", plannedIndex: 0, view: { status: "Confirmed", inventory: "Reserved", payment: "Charged", total: 10, items: [{ sku: "A", quantity: 2 }], invoice: { status: "Sent" } } },
      { orderId: "o2", correlationId: "c-o2", plannedIndex: 1, view: { status: "Cancelled", inventory: "Rejected", payment: "Refunded", total: 5, items: [{ sku: "A", quantity: 9 }], invoice: null } },
    ],
    stock: { A: { available: 3, reserved: 2 } },
    holds: [
      { orderId: "o1", sku: "A", quantity: 2, status: "Held" },
      // o2 wanted more than there was: nothing held, or a line given back when it was cancelled.
      { orderId: "o2", sku: "A", quantity: 9, status: "Released" },
    ],
    reservations: [
      { orderId: "o1", status: "Reserved" },
      { orderId: "o2", status: "Rejected" },
    ],
    negativeStockSeen: [],
    charges: [
      { chargeId: "ch1", amount: 10, status: "succeeded", reference: "o1" },
      { chargeId: "ch2", amount: 5, status: "succeeded", reference: "o2" },
    ],
    refunds: [{ refundId: "re1", chargeId: "ch2", amount: 5 }],
    invoices: [{ orderId: "o1", status: "Sent" }],
    users: [{ userId: "u1", email: "a@example.com", name: "Ann", correlationId: "c-u1", view: { status: "Onboarded" } }],
    emails: [
      welcome,
      // A top-up email to the same user is not a second welcome email.
      { to: { address: "a@example.com" }, subject: "Your top-up arrived", plainText: "…" },
    ],
    contacts: [{ contactId: "u1", email: "a@example.com" }],
    wallets: { u1: { balance: 35, entries: [{ amount: 10 }, { amount: 25 }] } },
    topUps: [{ topUpId: "t1", walletId: "u1", correlationId: "c-t1", amount: 25, view: { status: "Succeeded" } }],
    bankPayments: [{ paymentId: "p1", reference: "t1", status: "succeeded", amount: 25 }],
    journal: [
      { correlationId: "c-o1", type: "Orders.OrderPlaced.v2" },
      { correlationId: "c-o1", type: "Orders.OrderConfirmed.v1" },
      { correlationId: "c-o2", type: "Orders.OrderPlaced.v2" },
      { correlationId: "c-o2", type: "Orders.OrderCancelled.v1" },
      { correlationId: "c-u1", type: "Users.UserSignedUp.v1" },
      { correlationId: "c-u1", type: "Users.UserOnboarded.v1" },
      { correlationId: "c-t1", type: "Wallet.TopUpInitiated.v2" },
      { correlationId: "c-t1", type: "Notifications.UserNotified.v1" },
    ],
  });

  const breached = (o: ChaosObservation) =>
    Object.fromEntries(checkInvariants(o).filter((i) => i.breaches.length > 0).map((i) => [i.name, i.breaches.map((b) => b.id)]));

  const withOrder = (o: ChaosObservation, orderId: string, change: object): ChaosObservation => ({
    ...o,
    orders: o.orders.map((x) => (x.orderId === orderId ? { ...x, view: { ...x.view!, ...change } } : x)),
  });

  it("finds nothing wrong with a consistent run", () => {
    expect(breached(healthy())).toEqual({});
  });

  it("accepts the 'not attempted because already cancelled' statuses when nothing was charged or reserved", () => {
    const o = withOrder(healthy(), "o2", { inventory: "NotReserved", payment: "NotCharged" });
    expect(breached({ ...o, charges: o.charges.filter((c) => c.chargeId !== "ch2"), refunds: [] })).toEqual({});
  });

  it.each<[string, (o: ChaosObservation) => ChaosObservation, Record<string, string[]>]>([
    ["a cancelled order whose payment never settled", (o) => withOrder(o, "o2", { payment: "Pending" }), { "orders terminal and settled": ["o2"] }],
    ["an order still Pending", (o) => withOrder(o, "o1", { status: "Pending" }), {
      "orders terminal and settled": ["o1"],
      // Its units are held for an order that is not (yet) Confirmed, and inventory's Reserved disagrees with it.
      "no SKU oversold": ["A", "o1/A"],
      "every order decided once in inventory": ["o1"],
      "gateway charges − refunds = Confirmed totals": ["total", "o1"],
    }],
    ["a charge nobody refunded on a cancelled order", (o) => ({ ...o, refunds: [] }), { "gateway charges − refunds = Confirmed totals": ["total", "o2"] }],
    ["two refunds of one charge", (o) => ({ ...o, charges: [...o.charges, { chargeId: "ch3", amount: 5, status: "succeeded", reference: "o1" }], refunds: [...o.refunds, { refundId: "re2", chargeId: "ch3", amount: 2.5 }, { refundId: "re3", chargeId: "ch3", amount: 2.5 }] }), {
      "no charge without an order; ≤ 1 refund per charge": ["ch3"],
    }],
    ["a charge for no order of the run", (o) => ({ ...o, charges: [...o.charges, { chargeId: "ch9", amount: 1, status: "declined", reference: "ghost" }] }), {
      "no charge without an order; ≤ 1 refund per charge": ["ch9"],
    }],
    ["stock reserved for no confirmed order", (o) => ({ ...o, stock: { A: { available: 2, reserved: 3 } } }), { "no SKU oversold": ["A"] }],
    ["a hold left on a cancelled order", (o) => ({ ...o, holds: [...o.holds, { orderId: "o2", sku: "B", quantity: 1, status: "Held" }] }), { "no SKU oversold": ["o2/B"] }],
    ["holds that do not add up to the reserved units", (o) => ({ ...o, holds: o.holds.filter((h) => h.orderId !== "o1") }), { "no SKU oversold": ["A"] }],
    ["an order decided twice", (o) => ({ ...o, reservations: [...o.reservations, { orderId: "o1", status: "Rejected" }] }), { "every order decided once in inventory": ["o1"] }],
    ["an order inventory never decided", (o) => ({ ...o, reservations: o.reservations.filter((r) => r.orderId !== "o2") }), { "every order decided once in inventory": ["o2"] }],
    ["a confirmed order inventory rejected", (o) => ({ ...o, reservations: [{ orderId: "o1", status: "Rejected" }, o.reservations[1]!] }), { "every order decided once in inventory": ["o1"] }],
    ["stock that vanished", (o) => ({ ...o, stock: { A: { available: 2, reserved: 2 } } }), { "stock never negative, available + reserved conserved": ["A"] }],
    ["negative stock seen during the run", (o) => ({ ...o, negativeStockSeen: [{ sku: "A", available: -1, reserved: 6 }] }), { "stock never negative, available + reserved conserved": ["A"] }],
    ["an invoice left Sent on a cancelled order", (o) => ({ ...o, invoices: [...o.invoices, { orderId: "o2", status: "Sent" }] }), { "one invoice Sent per Confirmed order, none on a Cancelled one": ["o2"] }],
    ["a confirmed order without invoice", (o) => withOrder(o, "o1", { invoice: null }), { "one invoice Sent per Confirmed order, none on a Cancelled one": ["o1"] }],
    ["a second welcome email", (o) => ({ ...o, emails: [...o.emails, { ...welcome }] }), { "users Onboarded, one welcome email, one CRM contact": ["u1"] }],
    ["a user still onboarding without CRM contact", (o) => ({ ...o, contacts: [], users: [{ ...o.users[0]!, view: { status: "Onboarding" } }] }), {
      "users Onboarded, one welcome email, one CRM contact": ["u1"],
    }],
    ["a balance that is not the sum of its entries", (o) => ({ ...o, wallets: { u1: { balance: 45, entries: [{ amount: 10 }, { amount: 25 }] } } }), {
      "wallet balance = Σ entries = free credits + succeeded top-ups": ["u1"],
    }],
    ["a top-up the bank paid twice", (o) => ({ ...o, bankPayments: [...o.bankPayments, { paymentId: "p2", reference: "t1", status: "succeeded", amount: 25 }] }), {
      "top-ups settled, one bank payment per succeeded top-up": ["t1"],
    }],
    ["a failed top-up the bank paid", (o) => ({ ...o, topUps: [{ ...o.topUps[0]!, view: { status: "Failed" } }], wallets: { u1: { balance: 10, entries: [{ amount: 10 }] } } }), {
      "top-ups settled, one bank payment per succeeded top-up": ["t1"],
    }],
    ["a flow without its outcome event", (o) => ({ ...o, journal: o.journal.filter((e) => e.type !== "Orders.OrderConfirmed.v1") }), { "every flow ended with its outcome event": ["c-o1"] }],
    ["a rejected command and no quiescence", (o) => ({ ...o, rejected: [{ flow: "order#3", reason: "gave up" }], quiescence: { reached: false, detail: "busy" } }), {
      "commands accepted": ["order#3"],
      quiescence: ["event-grid"],
    }],
  ])("catches %s", (_what, mutate, expected) => {
    expect(breached(mutate(healthy()))).toEqual(expected);
  });
});

describe("chaos plan", () => {
  it("is the same for the same seed and differs for another", () => {
    const a = buildChaosPlan({ ...shortChaosOptions, seed: 7 });
    expect(buildChaosPlan({ ...shortChaosOptions, seed: 7 })).toEqual(a);
    expect(buildChaosPlan({ ...shortChaosOptions, seed: 8 }).digest).not.toBe(a.digest);
  });

  it("mixes every kind of flow and token, and kills only the services asked for", () => {
    const plan = buildChaosPlan({ ...shortChaosOptions, flows: 300, kills: 5, killServices: ["payments", "inventory", "orders", "ledger", "journal"] });
    const kinds = new Set(plan.flows.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(["order", "signUp", "topUp"]);
    expect(new Set(plan.flows.flatMap((f) => (f.kind === "order" ? [f.paymentToken] : [])))).toEqual(new Set(["tok_visa", "tok_decline", "tok_flaky"]));
    expect(new Set(plan.flows.flatMap((f) => (f.kind === "topUp" ? [f.bankToken] : [])))).toEqual(new Set(["bank_ok", "bank_decline", "bank_flaky", "bank_slow"]));
    expect(plan.faults.flatMap((f) => (f.action.kind === "kill" ? [f.action.service] : []))).toEqual(["payments", "inventory", "orders", "ledger", "journal"]);
    // Limited stock: the orders ask for more units than there are.
    const demand = plan.flows.reduce((n, f) => n + (f.kind === "order" ? f.items.reduce((m, i) => m + i.quantity, 0) : 0), 0);
    expect(demand).toBeGreaterThan(Object.values(plan.stock).reduce((a, b) => a + b, 0));
  });
});
