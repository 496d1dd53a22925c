import { toCents } from "../../src/events/money";
import { flowStartedBy, flows } from "../../src/flows";
import { welcomeEmail } from "../../src/services/email/welcomeEmail";
import type { ChaosPlan } from "./plan";

/** Everything the chaos run read back after quiescence, from the HTTP API, Cosmos and the simulators' GET endpoints. */
export interface ChaosObservation {
  readonly plan: ChaosPlan;
  readonly freeCreditsAmount: number;
  readonly rejected: readonly { readonly flow: string; readonly reason: string }[];
  readonly quiescence: { readonly reached: boolean; readonly detail?: string };
  readonly orders: readonly { readonly orderId: string; readonly correlationId: string; readonly plannedIndex: number; readonly view: OrderView | undefined }[];
  readonly stock: Readonly<Record<string, { readonly available: number; readonly reserved: number } | undefined>>;
  /** Inventory's own records (its container, docs/consistency.md "Inventory"): one hold per order and SKU it took units of. */
  readonly holds: readonly { readonly orderId: string; readonly sku: string; readonly quantity: number; readonly status: string }[];
  /** The order's outcome in inventory, decided once: at most one per order (named after it). */
  readonly reservations: readonly { readonly orderId: string; readonly status: string }[];
  /** Stock levels seen below zero while the run was going on. */
  readonly negativeStockSeen: readonly { readonly sku: string; readonly available: number; readonly reserved: number }[];
  readonly charges: readonly { readonly chargeId: string; readonly amount: number; readonly status: string; readonly reference?: string }[];
  readonly refunds: readonly { readonly refundId: string; readonly chargeId: string; readonly amount: number }[];
  /** Invoice documents of the invoicing service (its own container), one per order at most by id. */
  readonly invoices: readonly { readonly orderId: string; readonly status: string }[];
  readonly users: readonly { readonly userId: string; readonly email: string; readonly name: string; readonly correlationId: string; readonly view: { readonly status: string } | undefined }[];
  readonly emails: readonly { readonly to: { readonly address: string }; readonly subject: string; readonly plainText: string }[];
  readonly contacts: readonly { readonly contactId: string; readonly email: string }[];
  readonly wallets: Readonly<Record<string, { readonly balance: number; readonly entries: readonly { readonly amount: number }[] } | undefined>>;
  readonly topUps: readonly {
    readonly topUpId: string;
    readonly walletId: string;
    readonly correlationId: string;
    readonly amount: number;
    readonly view: { readonly status: string } | undefined;
  }[];
  readonly bankPayments: readonly { readonly paymentId: string; readonly reference?: string; readonly status: string; readonly amount: number }[];
  /** Journal entries: the correlation id (the entry's partition) and event type of every event recorded. */
  readonly journal: readonly { readonly correlationId: string; readonly type: string }[];
}

export interface OrderView {
  readonly status: string;
  readonly inventory: string;
  readonly payment: string;
  readonly total: number;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
  readonly invoice: { readonly status: string } | null;
}

export interface Breach {
  readonly id: string;
  readonly detail: string;
}

export interface InvariantResult {
  readonly name: string;
  /** What was checked, in one line, with the numbers that matter. */
  readonly summary: string;
  readonly checked: number;
  readonly breaches: readonly Breach[];
}

const SETTLED_CANCELLED_INVENTORY = ["Rejected", "Released", "NotReserved"];
const SETTLED_CANCELLED_PAYMENT = ["Declined", "Refunded", "NotCharged"];
const cents = (amounts: readonly number[]): number => amounts.reduce((sum, a) => sum + toCents(a), 0);
const euros = (c: number): string => (c / 100).toFixed(2);

/** The business invariants of issue 7; each is checked on what the run observed, never on what it expected to happen. */
export const checkInvariants = (o: ChaosObservation): InvariantResult[] => {
  const results: InvariantResult[] = [];
  const add = (name: string, checked: number, breaches: Breach[], summary: string) => results.push({ name, checked, breaches, summary });
  const confirmed = o.orders.filter((x) => x.view?.status === "Confirmed");
  const cancelled = o.orders.filter((x) => x.view?.status === "Cancelled");

  add("commands accepted", o.plan.flows.length, o.rejected.map((r) => ({ id: r.flow, detail: r.reason })), "every planned HTTP command was accepted (clients retry with their Idempotency-Key)");
  add("quiescence", 1, o.quiescence.reached ? [] : [{ id: "event-grid", detail: o.quiescence.detail ?? "still busy" }], "the emulator went idle with no flow pending, within the bound");

  add(
    "orders terminal and settled",
    o.orders.length,
    o.orders.flatMap(({ orderId, view: v }) => {
      if (!v) return [{ id: orderId, detail: "order not found" }];
      const ok =
        (v.status === "Confirmed" && v.inventory === "Reserved" && v.payment === "Charged") ||
        (v.status === "Cancelled" && SETTLED_CANCELLED_INVENTORY.includes(v.inventory) && SETTLED_CANCELLED_PAYMENT.includes(v.payment));
      return ok ? [] : [{ id: orderId, detail: `${v.status} inventory=${v.inventory} payment=${v.payment}` }];
    }),
    "Confirmed ⇒ Reserved+Charged; Cancelled ⇒ inventory ∈ {Rejected,Released,NotReserved}, payment ∈ {Declined,Refunded,NotCharged}",
  );

  const skus = Object.keys(o.plan.stock);
  const reservedByConfirmed = new Map<string, number>();
  for (const { view } of confirmed) for (const item of view!.items) reservedByConfirmed.set(item.sku, (reservedByConfirmed.get(item.sku) ?? 0) + item.quantity);
  add(
    "stock never negative, available + reserved conserved",
    skus.length,
    [
      ...o.negativeStockSeen.map((n) => ({ id: n.sku, detail: `seen available=${n.available} reserved=${n.reserved} during the run` })),
      ...skus.flatMap((sku) => {
        const level = o.stock[sku];
        const set = o.plan.stock[sku]!;
        if (!level) return [{ id: sku, detail: "stock level not found" }];
        if (level.available < 0 || level.reserved < 0) return [{ id: sku, detail: `available=${level.available} reserved=${level.reserved}` }];
        return level.available + level.reserved === set ? [] : [{ id: sku, detail: `available ${level.available} + reserved ${level.reserved} ≠ ${set} set` }];
      }),
    ],
    `${skus.length} SKUs, ${Object.values(o.plan.stock).reduce((a, b) => a + b, 0)} units set`,
  );
  const ordersById = new Map(o.orders.map((x) => [x.orderId, x]));
  const statusOf = (orderId: string) => ordersById.get(orderId)?.view?.status;
  const heldBySku = new Map<string, number>();
  for (const h of o.holds) if (h.status === "Held") heldBySku.set(h.sku, (heldBySku.get(h.sku) ?? 0) + h.quantity);
  add(
    "no SKU oversold",
    skus.length,
    [
      ...skus.flatMap((sku) => {
        const reserved = o.stock[sku]?.reserved;
        const expected = reservedByConfirmed.get(sku) ?? 0;
        const held = heldBySku.get(sku) ?? 0;
        if (expected > o.plan.stock[sku]!) return [{ id: sku, detail: `Confirmed orders hold ${expected} of ${o.plan.stock[sku]} units` }];
        if (reserved !== expected) return [{ id: sku, detail: `reserved ${reserved} ≠ ${expected} in Confirmed orders` }];
        return held === expected ? [] : [{ id: sku, detail: `holds Held ${held} ≠ ${expected} in Confirmed orders` }];
      }),
      // A unit held for an order that did not confirm is a unit no one can buy.
      ...o.holds
        .filter((h) => h.status === "Held" && statusOf(h.orderId) !== "Confirmed")
        .map((h) => ({ id: `${h.orderId}/${h.sku}`, detail: `${h.quantity} held for a ${statusOf(h.orderId) ?? "missing"} order` })),
    ],
    "per SKU, reserved = Σ Held holds = Σ quantities of its Confirmed orders ≤ what was set; no hold left on an unconfirmed order",
  );
  const reservationsOf = new Map<string, string[]>();
  for (const r of o.reservations) reservationsOf.set(r.orderId, [...(reservationsOf.get(r.orderId) ?? []), r.status]);
  add(
    "every order decided once in inventory",
    o.orders.length,
    o.orders.flatMap(({ orderId, view }) => {
      const decided = reservationsOf.get(orderId) ?? [];
      if (decided.length !== 1) return [{ id: orderId, detail: `${decided.length} reservation documents` }];
      const status = decided[0]!;
      const agrees = view?.status === "Confirmed" ? status === "Reserved" : ["Rejected", "Released", "CancelledBeforeReservation"].includes(status);
      return agrees ? [] : [{ id: orderId, detail: `${view?.status ?? "missing"} order, reservation ${status}` }];
    }),
    "one reservation per order: Reserved for a Confirmed order; Rejected, Released or CancelledBeforeReservation for a Cancelled one",
  );

  const succeeded = o.charges.filter((c) => c.status === "succeeded");
  const refundsByCharge = new Map<string, typeof o.refunds[number][]>();
  for (const r of o.refunds) refundsByCharge.set(r.chargeId, [...(refundsByCharge.get(r.chargeId) ?? []), r]);
  const netByOrder = new Map<string, number>();
  for (const c of succeeded) {
    const ref = c.reference ?? "";
    netByOrder.set(ref, (netByOrder.get(ref) ?? 0) + toCents(c.amount) - cents((refundsByCharge.get(c.chargeId) ?? []).map((r) => r.amount)));
  }
  const net = cents(succeeded.map((c) => c.amount)) - cents(o.refunds.map((r) => r.amount));
  const confirmedTotal = cents(confirmed.map((x) => x.view!.total));
  add(
    "gateway charges − refunds = Confirmed totals",
    o.orders.length,
    [
      ...(net === confirmedTotal ? [] : [{ id: "total", detail: `charged − refunded ${euros(net)} ≠ ${euros(confirmedTotal)} Confirmed` }]),
      ...o.orders.flatMap(({ orderId, view }) => {
        const kept = netByOrder.get(orderId) ?? 0;
        const expected = view?.status === "Confirmed" ? toCents(view.total) : 0;
        return kept === expected ? [] : [{ id: orderId, detail: `${view?.status ?? "missing"}: gateway keeps ${euros(kept)}, expected ${euros(expected)}` }];
      }),
    ],
    `${succeeded.length} charges, ${o.refunds.length} refunds: net ${euros(net)} vs ${confirmed.length} Confirmed orders ${euros(confirmedTotal)}`,
  );
  add(
    "no charge without an order; ≤ 1 refund per charge",
    o.charges.length,
    [
      ...o.charges.filter((c) => !ordersById.has(c.reference ?? "")).map((c) => ({ id: c.chargeId, detail: `reference ${c.reference ?? "(none)"} is no order of this run` })),
      ...[...refundsByCharge].filter(([, rs]) => rs.length > 1).map(([chargeId, rs]) => ({ id: chargeId, detail: `${rs.length} refunds` })),
    ],
    `${o.charges.length} charges (${o.charges.length - succeeded.length} declined), ${refundsByCharge.size} refunded`,
  );

  const invoiceDocs = new Map<string, string[]>();
  for (const i of o.invoices) invoiceDocs.set(i.orderId, [...(invoiceDocs.get(i.orderId) ?? []), i.status]);
  add(
    "one invoice Sent per Confirmed order, none on a Cancelled one",
    confirmed.length + cancelled.length,
    [...confirmed, ...cancelled].flatMap(({ orderId, view }) => {
      const sentDocs = (invoiceDocs.get(orderId) ?? []).filter((s) => s === "Sent").length;
      const viewSent = view!.invoice?.status === "Sent";
      if (view!.status === "Confirmed") {
        return viewSent && sentDocs === 1 ? [] : [{ id: orderId, detail: `Confirmed: view invoice=${view!.invoice?.status ?? "none"}, ${sentDocs} Sent invoice document(s)` }];
      }
      return !viewSent && sentDocs === 0 ? [] : [{ id: orderId, detail: `Cancelled: view invoice=${view!.invoice?.status ?? "none"}, ${sentDocs} Sent invoice document(s)` }];
    }),
    "order view `invoice` and the invoicing container agree",
  );

  add(
    "users Onboarded, one welcome email, one CRM contact",
    o.users.length,
    o.users.flatMap(({ userId, email, name, view }) => {
      // The mailbox also holds top-up emails; a welcome email is the one the email service would write for this user.
      const welcome = welcomeEmail({ userId, email, name }, "any");
      const mails = o.emails.filter((m) => m.to.address.toLowerCase() === email && m.subject === welcome.subject && m.plainText === welcome.plainText).length;
      const contacts = o.contacts.filter((c) => c.email.toLowerCase() === email).length;
      const problems = [
        ...(view?.status === "Onboarded" ? [] : [`status ${view?.status ?? "missing"}`]),
        ...(mails === 1 ? [] : [`${mails} emails`]),
        ...(contacts === 1 ? [] : [`${contacts} CRM contacts`]),
      ];
      return problems.length === 0 ? [] : [{ id: userId, detail: problems.join(", ") }];
    }),
    `${o.emails.length} emails, ${o.contacts.length} CRM contacts`,
  );

  const succeededTopUps = o.topUps.filter((t) => t.view?.status === "Succeeded");
  add(
    "wallet balance = Σ entries = free credits + succeeded top-ups",
    o.users.length,
    o.users.flatMap(({ userId }) => {
      const wallet = o.wallets[userId];
      if (!wallet) return [{ id: userId, detail: "wallet not found" }];
      const entries = cents(wallet.entries.map((e) => e.amount));
      const expected = toCents(o.freeCreditsAmount) + cents(succeededTopUps.filter((t) => t.walletId === userId).map((t) => t.amount));
      return toCents(wallet.balance) === entries && entries === expected
        ? []
        : [{ id: userId, detail: `balance ${wallet.balance}, Σ entries ${euros(entries)}, credits + top-ups ${euros(expected)}` }];
    }),
    `free credits ${o.freeCreditsAmount} each, ${succeededTopUps.length} succeeded top-ups`,
  );

  const succeededPayments = o.bankPayments.filter((p) => p.status === "succeeded");
  const topUpIds = new Set(o.topUps.map((t) => t.topUpId));
  add(
    "top-ups settled, one bank payment per succeeded top-up",
    o.topUps.length,
    [
      ...o.topUps.flatMap(({ topUpId, view, amount }) => {
        const paid = succeededPayments.filter((p) => p.reference === topUpId);
        if (view?.status === "Succeeded") {
          return paid.length === 1 && toCents(paid[0]!.amount) === toCents(amount) ? [] : [{ id: topUpId, detail: `Succeeded with ${paid.length} bank payment(s)` }];
        }
        if (view?.status === "Failed") return paid.length === 0 ? [] : [{ id: topUpId, detail: `Failed but the bank paid ${paid.length} time(s)` }];
        return [{ id: topUpId, detail: `status ${view?.status ?? "missing"}` }];
      }),
      ...succeededPayments.filter((p) => !topUpIds.has(p.reference ?? "")).map((p) => ({ id: p.paymentId, detail: `bank payment for ${p.reference ?? "(none)"}, no top-up of this run` })),
    ],
    `${o.bankPayments.length} bank payments (${succeededPayments.length} succeeded)`,
  );

  const typesByFlow = new Map<string, Set<string>>();
  for (const e of o.journal) typesByFlow.set(e.correlationId, (typesByFlow.get(e.correlationId) ?? new Set()).add(e.type));
  const started = [...o.orders.map((x) => x.correlationId), ...o.users.map((x) => x.correlationId), ...o.topUps.map((x) => x.correlationId)];
  add(
    "every flow ended with its outcome event",
    typesByFlow.size,
    [
      ...started.filter((c) => !typesByFlow.has(c)).map((c) => ({ id: c, detail: "accepted but not in the journal" })),
      ...[...typesByFlow].flatMap(([correlationId, types]) => {
        const name = [...types].map(flowStartedBy).find((f) => f !== undefined);
        if (!name) return [{ id: correlationId, detail: `no flow-starting event among ${[...types].join(", ")}` }];
        const outcomes: readonly string[] = [...flows[name].succeededWith, ...flows[name].failedWith];
        return outcomes.some((t) => types.has(t)) ? [] : [{ id: correlationId, detail: `${name} flow without ${outcomes.join(" or ")}` }];
      }),
    ],
    `${typesByFlow.size} correlation ids in the journal, ${o.journal.length} events`,
  );
  return results;
};
