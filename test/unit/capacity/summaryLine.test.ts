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
    expect(line).toMatch(/\$ per million flows \(serverless list prices\) topUp \$\d+\.\d\d–\$\d+\.\d\d\./);
    expect(report.perMillionFlows.topUp!.cosmos).toBe(10);
    expect(renderReport(report, { topUp }).trimEnd().split("\n").at(-1)).toBe(line);
  });
});
