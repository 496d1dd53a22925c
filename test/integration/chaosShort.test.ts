import { existsSync } from "node:fs";
import path from "node:path";
import { shortChaosOptions } from "#scripts/chaos/plan";
import { formatChaosReport } from "#scripts/chaos/report";
import { ChaosResult, runChaos } from "#scripts/chaos/runChaos";
import { repoRoot } from "./support/localStack";

/**
 * The short chaos run of issue 7, in `npm test` so CI catches a consistency regression: `npm run chaos -- --short`.
 * Split mode (one Functions host per service), 80 mixed flows (orders with limited stock and tok_visa / tok_decline /
 * tok_flaky, sign-ups, top-ups with bank_ok / bank_decline / bank_flaky / bank_slow), inventory killed for 3 s, then
 * payments killed during a gateway charge (after the gateway charged, before payments could record it) for 3 s, while
 * Event Grid's first retry comes after 100 ms (retry scale 0.01), events re-published from the journal during the run
 * and after quiescence, the CRM down for 1.5 s; then payments and inventory down together for 3 s, the store answering
 * 503 or 429 to 40 % of its document requests for 2 s, the orders topic refusing publishes for 1.5 s, and the whole
 * stack SIGKILLed and started again on its data. Each invariant below must hold with zero breaches:
 */
const CHECKED_INVARIANTS = [
  "commands accepted",
  "quiescence",
  // Confirmed ⇒ inventory Reserved, payment Charged; Cancelled ⇒ inventory Rejected|Released|NotReserved and
  // payment Declined|Refunded|NotCharged. Nothing left Pending.
  "orders terminal and settled",
  "stock never negative, available + reserved conserved",
  // reserved = Σ Held holds = Σ quantities of the SKU's Confirmed orders; no hold left on an unconfirmed order.
  "no SKU oversold",
  // Inventory's reservation document: one per order, Reserved exactly for the Confirmed ones.
  "every order decided once in inventory",
  // Σ succeeded charges − Σ refunds (gateway simulator) = Σ totals of Confirmed orders, and per order.
  "gateway charges − refunds = Confirmed totals",
  "no charge without an order; ≤ 1 refund per charge",
  // Order view `invoice` and the invoicing container's documents.
  "one invoice Sent per Confirmed order, none on a Cancelled one",
  "users Onboarded, one welcome email, one CRM contact",
  "wallet balance = Σ entries = free credits + succeeded top-ups",
  "top-ups settled, one bank payment per succeeded top-up",
  // For each correlation id in the journal, the flow's outcome event (src/flows.ts) is there.
  "every flow ended with its outcome event",
];

describe("chaos, short run: hosts killed mid-flow, two at once, the store browning out, a topic down, the whole stack killed", () => {
  let result: ChaosResult;
  let report = "";

  beforeAll(async () => {
    if (!existsSync(path.join(repoRoot, "dist/scripts/chaos.js"))) throw new Error("dist/ is missing: run `npm run build` first");
    const lines: string[] = [];
    result = await runChaos(shortChaosOptions, { appRoot: repoRoot, log: (line) => lines.push(line) });
    report = `${lines.join("\n")}\n${formatChaosReport(result)}`;
    if (process.env.CHAOS_REPORT === "1" || result.breaches > 0) process.stdout.write(`${report}\n`);
  }, 420_000);

  it("really killed inventory and payments mid-charge, re-published events and took the CRM down", () => {
    expect(result.figures.kills.map((k) => k.service)).toEqual(["inventory", "payments"]);
    expect(result.figures.kills[1]!.when).toBe("nextCall");
    for (const kill of result.figures.kills) expect(kill.backUpAtMs).not.toBeNull();
    expect(result.figures.duplicatedEvents).toBeGreaterThan(0);
    expect(result.figures.crmOutages).toBe(1);
    // The outage must outlast Event Grid's first retry, or it tests nothing.
    expect(result.figures.firstRetryMs).toBeLessThan(shortChaosOptions.outageMs);
  });

  it("really took payments and inventory down together, browned the store out, took the orders topic down and killed the whole stack", () => {
    expect(result.figures.pairOutages).toEqual([expect.objectContaining({ services: ["payments", "inventory"], downForMs: shortChaosOptions.pairOutageMs })]);
    expect(result.figures.firstRetryMs).toBeLessThan(shortChaosOptions.pairOutageMs);
    const [brownout] = result.figures.storeBrownouts;
    expect(brownout!.unavailable + brownout!.throttled).toBeGreaterThan(0);
    expect(result.figures.publishOutages).toEqual([expect.objectContaining({ topic: "orders" })]);
    // Killed with SIGKILL and started again on its data: what it had acknowledged was there.
    expect(result.figures.stackKills).toHaveLength(1);
    expect(result.figures.stackKills[0]!.restoredDocuments).toBeGreaterThan(0);
  });

  it("checks exactly the invariants listed here", () => {
    expect(result.invariants.map((i) => i.name)).toEqual(CHECKED_INVARIANTS);
    for (const invariant of result.invariants) expect(invariant.checked).toBeGreaterThan(0);
  });

  it.each(CHECKED_INVARIANTS)("%s: no breach", (name) => {
    const invariant = result.invariants.find((i) => i.name === name);
    expect(invariant).toBeDefined();
    expect({ invariant: name, breaches: invariant!.breaches.slice(0, 10), total: invariant!.breaches.length }).toEqual({ invariant: name, breaches: [], total: 0 });
  });
});
