import { writeFileSync } from "node:fs";
import path from "node:path";
import { FlowName, flowNames } from "../src/flows";
import { parseFlags } from "@azure-choreography/server-kit";
import { renderTable, runVerification } from "./verify/run";
import { outsideAnswersFrom } from "./verify/scenarios";
import { TargetError, resolveTarget } from "./verify/target";

const USAGE = `npm run verify -- [--target <URL | azd environment>] [--flow <name>,…] [--timeout-ms N] [--json FILE]

Runs every flow of src/flows.ts, its success path and its failure and compensation paths, against a running stack,
waits for each outcome within the flow's deadline and checks the business facts (order settled, stock conserved,
wallet = Σ entries). No --target: the running npm start. Exit 0 when every scenario passed, 1 when one failed, 2 on
bad flags or an unreachable target. Outside answers come from VERIFY_CARD_ACCEPTED, VERIFY_CARD_DECLINED,
VERIFY_BANK_ACCEPTS, VERIFY_BANK_DECLINES, VERIFY_CRM_REFUSED_DOMAIN (default: the local simulators' tokens).`;

const fail = (message: string): never => {
  console.error(`verify: ${message}\n\n${USAGE}`);
  process.exit(2);
};

const main = async (): Promise<void> => {
  let values;
  try {
    ({ values } = parseFlags(process.argv.slice(2), {
      target: { type: "string" },
      flow: { type: "string" },
      "timeout-ms": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean" },
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const wanted = values.flow?.split(",").map((f) => f.trim());
  const unknown = wanted?.filter((f) => !(flowNames as readonly string[]).includes(f)) ?? [];
  if (unknown.length > 0) fail(`--flow: unknown flow(s) ${unknown.join(", ")}; known: ${flowNames.join(", ")}`);
  const timeout = values["timeout-ms"] === undefined ? undefined : Number(values["timeout-ms"]);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) fail("--timeout-ms takes a positive whole number of milliseconds");

  const root = path.resolve(__dirname, "..", "..");
  const target = await resolveTarget(values.target, root).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  console.log(`Verifying against ${target.label}`);
  const results = await runVerification(target, {
    answers: outsideAnswersFrom(process.env),
    ...(timeout === undefined ? {} : { timeoutInMs: timeout }),
    ...(wanted ? { flows: wanted as FlowName[] } : {}),
    onResult: (r) => console.log(`  ${r.ok ? "pass" : "FAIL"} ${r.flow}: ${r.scenario} (${(r.durationInMs / 1000).toFixed(1)} s)`),
  });
  console.log(`\n${renderTable(results)}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ target: target.label, results }, null, 2)}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
};

main().catch((error: unknown) => {
  if (error instanceof TargetError) fail(error.message);
  console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
