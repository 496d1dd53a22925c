import { choreographyFigures, lintChoreography, renderChoreographyFigures, systemChoreography } from "../src/governance/choreography";

/** Prints the choreography's figures and fails (exit 1) on any rule it breaks; `npm test` runs it. */
if (require.main === module) {
  const model = systemChoreography();
  console.log(renderChoreographyFigures(choreographyFigures(model)));
  const problems = lintChoreography(model);
  if (problems.length > 0) {
    console.error(`choreography lint: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log("choreography lint: no problems");
}
