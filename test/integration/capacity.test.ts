import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { countFlowsOn } from "#scripts/capacity/count";
import { FlowCounts, capacityModel } from "#scripts/capacity/model";
import { TestStack, repoRoot, startLocalStackForTests } from "./support/localStack";

const FLOWS = 5;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const ruOf = (c: FlowCounts) => sum(Object.values(c.containers).map((x) => x.ru));

/** The counting behind `npm run capacity`, on the test stack with a few flows of each kind: the counts are sane. */
describe("npm run capacity: the counting run", () => {
  let stack: TestStack;
  let counts: Record<string, FlowCounts>;
  const progress: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    // Counts, not the steady state's durations, are under test here: a short warm-up keeps the suite quick.
    counts = await countFlowsOn(stack.stack, { flowsEach: FLOWS, warmUp: 2, log: (line) => progress.push(line) });
  }, 240_000);
  afterAll(() => stack?.stop());

  it("counts every flow of src/flows.ts, with RU spent and the progress told", () => {
    expect(Object.keys(counts).sort()).toEqual(["onboarding", "order", "topUp"]);
    for (const [flow, c] of Object.entries(counts)) {
      expect({ flow, flows: c.flows }).toEqual({ flow, flows: FLOWS });
      expect({ flow, ruPositive: ruOf(c) > 0 }).toEqual({ flow, ruPositive: true });
    }
    expect(progress.join("\n")).toMatch(/order: 2 flows to warm up \(not counted\)…\n.*order: counting 5 flows/);
  });

  it("sees every order flow publish on the orders topic and reach inventory, payments and the journal", () => {
    const order = counts.order!;
    // OrderPlaced at least, from each flow: whole events over the five flows, at least one per flow.
    const events = order.publishes.orders!.events * FLOWS;
    expect(Number.isInteger(Math.round(events * 1e6) / 1e6)).toBe(true);
    expect(order.publishes.orders!.events).toBeGreaterThanOrEqual(1);
    expect(order.publishes.orders!.bytes).toBeGreaterThan(100 * order.publishes.orders!.events);
    const delivered = (app: string) => sum(Object.values(order.deliveries).filter((d) => d.app === app).map((d) => d.events));
    expect(delivered("inventory")).toBeGreaterThanOrEqual(1);
    expect(delivered("payments")).toBeGreaterThanOrEqual(1);
    // The journal records every event of the flow it hears of.
    expect(delivered("journal")).toBeGreaterThanOrEqual(order.publishes.orders!.events);
    // The flow starts with the orders API: one execution of the orders app per flow besides its deliveries.
    expect(order.executions.orders!.executions).toBeCloseTo(delivered("orders") + 1);
    expect(order.executions.orders!.seconds).toBeGreaterThan(0);
  });

  it("names every key by the flow's entity it belongs to, by what the flows wrote: inventory's by SKU and by order", () => {
    const keys = counts.order!.keys;
    expect(keys.filter((k) => k.container === "inventory").map((k) => [k.pattern, k.kind]).sort()).toEqual([["{orderId}", "entity"], ["{sku}", "entity"]]);
    expect(keys.filter((k) => k.kind === "constant")).toEqual([]);
    expect(keys.find((k) => k.container === "orders")).toMatchObject({ kind: "entity", pattern: "{orderId}", keysPerFlow: 1 });
    expect(keys.find((k) => k.container === "journal")).toMatchObject({ kind: "entity", pattern: "{correlationId}" });
    for (const k of keys) expect({ key: `${k.container}/${k.pattern}`, ru: k.ru > 0, bytes: k.bytes > 0 }).toEqual({ key: `${k.container}/${k.pattern}`, ru: true, bytes: true });
    // Sign-ups and top-ups write only under their own entities' keys.
    for (const flow of ["onboarding", "topUp"]) expect(counts[flow]!.keys.filter((k) => k.kind === "constant")).toEqual([]);
  });

  it("counts top-ups on the wallet topic, executed by banking, the ledger and notifications", () => {
    const topUp = counts.topUp!;
    expect(topUp.publishes.wallet!.events).toBeGreaterThanOrEqual(1);
    for (const app of ["banking", "ledger", "notifications"]) expect({ app, ran: (topUp.executions[app]?.executions ?? 0) >= 1 }).toEqual({ app, ran: true });
  });

  it("feeds the model: no partition key is a hard ceiling at the issue's target", () => {
    const report = capacityModel(counts, { order: 10_000, onboarding: 1000, topUp: 1000 });
    expect(report.components.filter((c) => c.hardCeiling).map((c) => c.name)).toEqual([]);
    expect(report.bottleneck?.maxFlowsPerSecond).toBeGreaterThan(0);
  });
});

describe("npm run capacity: flags", () => {
  it("answers a bad flag with one line on stderr and exit code 2, before starting anything", async () => {
    const result = await promisify(execFile)(process.execPath, [path.join(repoRoot, "dist/scripts/capacity.js"), "--flows-per-second", "orderz=1"]).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? "" }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/unknown flow "orderz".*usage: npm run capacity/);
  });
});
