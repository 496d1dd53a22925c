import { CAPACITY_PRICES, CORES_PER_INSTANCE, HOURS_PER_MONTH, INSTANCE_MEMORY_MB, LIMITS } from "./limits";
import { CapacityReport, Component, DEPLOYED_APP_SCALE, FlowCounts, HEADROOM, fmt } from "./model";
import { PRICES } from "../bench/cost";

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const row = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;

/** `order 10,000, onboarding 1,000`: a figure per flow (or container), in the report's order. */
const byName = (figures: Readonly<Record<string, number>>, format: (n: number) => string = fmt): string =>
  Object.entries(figures).map(([f, n]) => `${f} ${format(n)}`).join(", ");

const flag = (c: Component) => {
  const over = c.utilization >= 1 ? " **at or over the limit**" : c.utilization >= HEADROOM ? ` (≥ ${HEADROOM})` : "";
  return c.hardCeiling ? ` **hard ceiling**${over}` : over;
};

/** The capacity table and what follows it, as Markdown: what `npm run capacity` prints. */
export const renderReport = (report: CapacityReport, counts: Readonly<Record<string, FlowCounts>>): string => {
  const out: string[] = [];
  const line = (s = "") => out.push(s);
  const target = byName(report.target);
  line(`## npm run capacity — target ${target} flows/s`);
  line();
  line(`Counted on the local stack: ${Object.entries(counts).map(([f, c]) => `${c.flows} ${f}`).join(", ")} flows; what one flow did × the target rate = demand.`);
  line();
  line(row(["component", "demand", "limit", "unit", "utilization", "notes", "source"]));
  line(row(["---", "---:", "---:", "---", "---:", "---", "---"]));
  const sorted = [...report.components].sort((a, b) => b.utilization - a.utilization);
  // A per-entity key's storage is one flow's documents: in the JSON, not a row of its own.
  for (const c of sorted.filter((x) => x.kind !== "partition-key-storage" || x.scales)) {
    line(row([c.name, fmt(c.demand), fmt(c.limit), c.unit, `${fmt(c.utilization)}${flag(c)}`, c.detail, c.source]));
  }
  line();
  const b = report.bottleneck;
  if (b) {
    line(
      b.maxFlowsPerSecond === 0
        ? `**First bottleneck: ${b.name}** — over its limit at any rate.`
        : `**First bottleneck: ${b.name}** — saturates at **${fmt(b.maxFlowsPerSecond)} flows/s** of this mix ` +
            `(${byName(b.byFlow)}), ${fmt(b.scale)} × the target.`,
    );
  } else line("No component has demand at this target.");
  const over = sorted.filter((c) => c.utilization >= 1);
  line(
    over.length === 0
      ? "The target fits: no component reaches its limit."
      : `The target does **not** fit: ${over.length} component(s) at or over their limit (${over.map((c) => c.name).join("; ")}).`,
  );
  const quota = sorted.find((c) => c.kind === "flex-regional-quota");
  if (quota && quota.utilization > HEADROOM) {
    // Raisable by a support request (the plan's docs): say how much to ask for, so that the row keeps its headroom.
    const needed = Math.ceil(quota.demand / HEADROOM / 1000) * 1000;
    line(
      `Flex regional quota: this target needs ≥ ${fmt(needed)} MB for the row to stay at ${HEADROOM} (${fmt(quota.limit)} MB now). ` +
        `Ask for it with a support request (Flex Consumption plan docs, "Regional subscription memory quotas"), then model it: --flex-quota-mb ${needed}.`,
    );
    const cores = report.instances.cpuBound;
    if (cores !== undefined && cores >= report.instances.atMeasuredDuration && report.executionsPerSecond > 0) {
      // What faster code would have to reach instead: the CPU per execution the quota holds at the headroom.
      const msPerExecution = (coresPerSecond: number) => (coresPerSecond / report.executionsPerSecond) * 1000;
      const allowedCores = (quota.limit / INSTANCE_MEMORY_MB) * CORES_PER_INSTANCE * HEADROOM;
      line(
        `The hosts' CPU sets that need: ${fmt(msPerExecution(cores))} ms per execution measured here, ${fmt(report.executionsPerSecond)} executions/s ` +
          `at the target; ${fmt(quota.limit)} MB holds them at ${HEADROOM} only at ≤ ${fmt(msPerExecution(allowedCores))} ms per execution.`,
      );
    }
  }
  const scaled = Object.entries(report.appScale.byApp);
  if (scaled.length > 0) {
    const entries = scaled.map(([app, a]) => `${app}: { instanceMemoryMB: ${a.instanceMemoryMB}, maximumInstanceCount: ${a.maximumInstanceCount} }`);
    line(
      `Function Apps: at this target ${scaled.map(([app]) => app).join(", ")} outgrow what infra/main.bicep deploys by default ` +
        `(${DEPLOYED_APP_SCALE.maximumInstanceCount} instances of ${DEPLOYED_APP_SCALE.instanceMemoryMB} MB each). In infra/main.bicepparam, with ${HEADROOM} headroom:`,
    );
    line();
    line("```bicep");
    line(`param appScale = { ${entries.join(", ")} }`);
    line(`param regionalFlexQuotaMB = ${Math.max(report.appScale.memoryAtFullScaleMb, LIMITS.flexRegionalMemoryMb.value)} // the quota granted; every app at its maximum takes ${fmt(report.appScale.memoryAtFullScaleMb)} MB, and the template refuses less`);
    line("```");
    line();
  }
  const constant = sorted.filter((c) => c.hardCeiling && c.kind === "partition-key");
  for (const c of constant) {
    line(`Constant partition key ${c.name.replace(/^key /, "")}: every flow's load on one logical partition, ${fmt(LIMITS.partitionKeyRuPerSecond.value)} RU/s and ${LIMITS.partitionKeyStorageGb.value} GB whatever is provisioned — a hard ceiling only a new key design removes.`);
  }
  line();
  line(`RU per flow: ${byName(report.ruPerFlow)}.`);
  line(
    `RU/s to provision (manual, ≥ 400 per container): **${fmt(report.totalProvisionRuPerSecond)}** = ` +
      `${byName(report.provisionRuPerSecond)}.`,
  );
  if (report.overServerless.length > 0) {
    line(`Serverless (as infra/modules/cosmos.bicep deploys today) serves ${fmt(LIMITS.serverlessContainerRuPerSecond.value)} RU/s per container: over it at the target: ${report.overServerless.join(", ")}.`);
  }
  const m = report.monthlyCost;
  line();
  line(
    `Monthly cost at the target, list prices: **${usd(m.total)}** = Event Grid ${usd(m.eventGrid)} + Functions executions ${usd(m.functionsExecutions)} + ` +
      `GB-s ${usd(m.functionsGbSeconds)} (busy instances) + Cosmos throughput ${usd(m.cosmosThroughput)} + Cosmos storage ${usd(m.cosmosStorage)} (one month's documents).`,
  );
  const flowsPerMonth = Object.values(report.target).reduce((a, r) => a + r, 0) * HOURS_PER_MONTH * 3600;
  line(
    `That is ${usd(m.total / (flowsPerMonth / 1e6))} per million flows of this mix, at provisioned throughput kept busy: ` +
      `${byName(report.perMillionFlowsAtScale, usd)} per million.`,
  );
  line(
    `Per million flows at serverless prices (the bench's model): ` +
      Object.entries(report.perMillionFlows).map(([f, k]) => `${f} ${usd(k.totalLow)}–${usd(k.totalHigh)} (Cosmos ${usd(k.cosmos)})`).join(", ") + ".",
  );
  line(
    `Prices: Event Grid $${PRICES.eventGridPerMillionOperations}/M operations, Functions $${PRICES.functionsPerMillionExecutions}/M executions and $${PRICES.functionsPerGbSecond}/GB-s ` +
      `(scripts/bench/cost.ts); Cosmos $${CAPACITY_PRICES.cosmosPer100RuPerSecondHour} per 100 RU/s-hour, $${CAPACITY_PRICES.cosmosStoragePerGbMonth}/GB-month (${CAPACITY_PRICES.source}).`,
  );
  line();
  line(renderSummaryLine(report));
  return `${out.join("\n")}\n`;
};

/** The report in one line (the last of `npm run capacity`, and what `npm run bench` prints after its tables). */
export const renderSummaryLine = (report: CapacityReport): string => {
  const target = byName(report.target);
  const b = report.bottleneck;
  const bottleneck = !b ? "no component has demand" : b.maxFlowsPerSecond === 0 ? `first bottleneck ${b.name}, over its limit at any rate` : `first bottleneck ${b.name} at ${fmt(b.maxFlowsPerSecond)} flows/s (${fmt(b.scale)} × the target)`;
  const ru = byName(report.ruPerFlow);
  const perMillion = Object.entries(report.perMillionFlows).map(([f, k]) => `${f} ${usd(k.totalLow)}–${usd(k.totalHigh)}`).join(", ");
  const atScale = byName(report.perMillionFlowsAtScale, usd);
  return `Capacity summary at ${target} flows/s: ${bottleneck}; RU per flow ${ru}; $ per million flows (serverless list prices) ${perMillion}; at scale (provisioned throughput, busy instances) ${atScale}.`;
};
