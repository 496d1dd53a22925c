import { EVENT_GRID_RETRY_SCHEDULE_IN_MS } from "@azure-choreography/eventgrid-emulator";
import { choreographyFigures, lintChoreography, renderChoreographyFigures, systemChoreography } from "../src/governance/choreography";
import { lintDeliveries } from "../src/governance/deliveryLint";
import { flowNames, flows } from "../src/flows";
import { listSubscriptions } from "../src/topology";

/**
 * Prints the choreography's figures and fails (exit 1) on any rule it breaks — the graph's, and every subscription's
 * delivery (dead-lettering on, retries that outlast the flows' deadlines, on Event Grid's schedule); `npm test` runs it.
 */
if (require.main === module) {
  const model = systemChoreography();
  console.log(renderChoreographyFigures(choreographyFigures(model)));
  // Which flows a subscription's events belong to is not in the manifest: every subscription must outlast the longest.
  const deadlineInMs = Math.max(...flowNames.map((f) => flows[f].defaultDeadlineInMs));
  const problems = [
    ...lintChoreography(model),
    ...lintDeliveries(listSubscriptions().map((s) => ({ name: s.name, delivery: s.delivery, deadlineInMs })), EVENT_GRID_RETRY_SCHEDULE_IN_MS),
  ];
  if (problems.length > 0) {
    console.error(`choreography lint: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log("choreography lint: no problems");
}
