import { FlowCounts, capacityModel } from "#scripts/capacity/model";
import { renderReport, renderSummaryLine } from "#scripts/capacity/render";

/** A top-up that only writes its wallet (40 RU) and publishes two events on `wallet`. */
const topUp: FlowCounts = {
  flows: 10,
  publishes: { wallet: { events: 2, bytes: 1200 } },
  deliveries: { "wallet-ledger-credit": { topic: "wallet", app: "ledger", events: 2 } },
  executions: { ledger: { executions: 3, seconds: 0.03 } },
  containers: { ledger: { ru: 40, documents: 2, bytes: 1800 } },
  keys: [{ container: "ledger", pattern: "{walletId}", kind: "entity", keysPerFlow: 1, ru: 40, documents: 2, bytes: 1800 }],
  ru: { inbox: 0, outbox: 0, state: 40, journal: 0, reads: 0, queries: 0, deletes: 0 },
};

describe("the capacity summary line (printed by npm run capacity and npm run bench)", () => {
  it("names the first bottleneck and its rate, RU per flow and $ per million flows", () => {
    // 2 events per flow on one topic of 5,000 events/s: 2,500 top-ups/s, 0.25 × a target of 10,000.
    const report = capacityModel({ topUp }, { topUp: 10_000 });
    const line = renderSummaryLine(report);
    // Per shard of the deployed layout (wallet: 2 shards, src/events/catalog.ts).
    expect(line).toContain("first bottleneck topic wallet: publishes at 5,000 flows/s (0.5 × the target)");
    expect(line).toContain("RU per flow topUp 40");
    // 40 RU × $0.25 per million RU = $10 of Cosmos per million flows, plus Event Grid, executions and GB-s.
    expect(line).toMatch(/\$ per million flows \(serverless list prices\) topUp \$\d+\.\d\d–\$\d+\.\d\d; at scale \(provisioned throughput, busy instances\) topUp \$\d+\.\d\d\.$/);
    expect(report.perMillionFlows.topUp!.cosmos).toBe(10);
    expect(renderReport(report, { topUp }).trimEnd().split("\n").at(-1)).toBe(line);
  });
});

describe("the capacity report on the regional Flex quota", () => {
  // 0.03 s busy per top-up ÷ 16 per instance × 2,048 MB = 3.84 MB per top-up/s: 512,000 MB at 133,333 top-ups/s.
  const quotaLine = (rate: number, flexRegionalQuotaMb?: number) =>
    renderReport(capacityModel({ topUp }, { topUp: rate }, flexRegionalQuotaMb === undefined ? {} : { flexRegionalQuotaMb }), { topUp })
      .split("\n")
      .find((l) => l.startsWith("Flex regional quota:"));

  it("says how much quota to ask for when the row passes 0.7", () => {
    // 100,000 top-ups/s: 384,000 MB, 0.75 of the default; 0.7 needs 548,572 MB, asked for in thousands.
    expect(quotaLine(100_000)).toBe(
      "Flex regional quota: this target needs ≥ 549,000 MB for the row to stay at 0.7 (512,000 MB now). " +
        'Ask for it with a support request (Flex Consumption plan docs, "Regional subscription memory quotas"), then model it: --flex-quota-mb 549000.',
    );
  });

  it("says what CPU per execution the quota would hold when the hosts' CPU sets the need", () => {
    // 12 ms of CPU per top-up (3 executions: 4 ms each) at 100,000 top-ups/s: 1,200 cores, above the 187.5 instances
    // the executions in flight need. 512,000 MB is 250 cores, 175 at 0.7: 175 ÷ 300,000 executions/s = 0.583 ms each.
    const cpuBound = { ...topUp, hostCpuSeconds: 0.012 };
    const lines = renderReport(capacityModel({ topUp: cpuBound }, { topUp: 100_000 }), { topUp: cpuBound }).split("\n");
    expect(lines).toContain(
      "The hosts' CPU sets that need: 4 ms per execution measured here, 300,000 executions/s at the target; 512,000 MB holds them at 0.7 only at ≤ 0.583 ms per execution.",
    );
    // Without a CPU measurement the executions in flight set it, and the line is not printed.
    expect(renderReport(capacityModel({ topUp }, { topUp: 100_000 }), { topUp })).not.toContain("The hosts' CPU sets");
  });

  it("says nothing when the row keeps its headroom, or once the increase is modelled", () => {
    expect(quotaLine(50_000)).toBeUndefined();
    expect(quotaLine(100_000, 549_000)).toBeUndefined();
  });
});

describe("the capacity report on the Function Apps' scale", () => {
  it("prints the appScale and quota for infra/main.bicepparam when an app outgrows the deployed defaults", () => {
    // 0.03 s busy per top-up ÷ 16 per instance: 187.5 instances at 100,000 top-ups/s; ÷ 0.7 → 268.
    const report = renderReport(capacityModel({ topUp }, { topUp: 100_000 }), { topUp });
    expect(report).toContain("Function Apps: at this target ledger outgrow what infra/main.bicep deploys by default (40 instances of 512 MB each).");
    expect(report).toContain("param appScale = { ledger: { instanceMemoryMB: 2048, maximumInstanceCount: 268 } }");
    expect(report).toContain("param regionalFlexQuotaMB = 548864 // the quota granted; every app at its maximum takes 548,864 MB, and the template refuses less");
    expect(renderReport(capacityModel({ topUp }, { topUp: 1000 }), { topUp })).not.toContain("param appScale");
  });
});
