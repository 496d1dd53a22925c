import { writeFileSync } from "node:fs";
import type { FlowName } from "../src/flows";
import { CapacityOptions, USAGE, UsageError, parseCapacityArgs } from "./capacity/args";
import { countFlows } from "./capacity/count";
import { LIMITS } from "./capacity/limits";
import { capacityModel } from "./capacity/model";
import { renderReport } from "./capacity/render";

/**
 * `npm run capacity -- --flows-per-second order=10000,onboarding=1000,topUp=1000 [--json FILE] [--count N] [--flex-quota-mb MB]`:
 * counts what each flow does on the local stack, multiplies by the target rates and prints, per component (topics,
 * subscriptions, containers, partition keys, Function Apps, the Flex regional quota), demand against Azure's published
 * limit, the first bottleneck and the rate at which it saturates, the RU/s to provision and the monthly cost.
 * See docs/capacity.md.
 */
const main = async () => {
  let options: CapacityOptions;
  try {
    options = parseCapacityArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`capacity: ${error.message}. ${USAGE}\n`);
    process.exit(2);
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const counted = Object.entries(options.target).filter(([, r]) => r > 0).map(([f]) => f as FlowName);
  const counts = await countFlows({ flowsEach: options.count, only: counted, log });
  const report = capacityModel(counts, options.target, options.flexQuotaMb === undefined ? {} : { flexRegionalQuotaMb: options.flexQuotaMb });
  process.stdout.write(renderReport(report, counts));
  if (options.json) {
    const json = {
      target: report.target,
      components: report.components.map(({ name, kind, demand, limit, unit, utilization, source, hardCeiling, detail }) => ({ name, kind, demand, limit, unit, utilization, source, hardCeiling, detail })),
      bottleneck: report.bottleneck ? { name: report.bottleneck.name, maxFlowsPerSecond: report.bottleneck.maxFlowsPerSecond, byFlow: report.bottleneck.byFlow } : null,
      ruPerFlow: report.ruPerFlow,
      provisionRuPerSecond: report.provisionRuPerSecond,
      monthlyCostUsd: report.monthlyCostUsd,
      monthlyCost: report.monthlyCost,
      perMillionFlows: report.perMillionFlows,
      perMillionFlowsAtScale: report.perMillionFlowsAtScale,
      appScale: report.appScale,
      limits: LIMITS,
      counts,
    };
    writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
    log(`capacity: figures written to ${options.json}`);
  }
};

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
