import { writeFileSync } from "node:fs";
import path from "node:path";
import { formatChaosReport } from "./chaos/report";
import { ChaosArgs, USAGE, parseChaosArgs } from "./chaos/args";
import { runChaos } from "./chaos/runChaos";

const main = async () => {
  let parsed: ChaosArgs;
  try {
    parsed = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const { options, json, verbose } = parsed;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const result = await runChaos(options, { appRoot: path.resolve(__dirname, "../.."), log, ...(verbose ? { stackLog: log } : {}) });
  console.log(formatChaosReport(result));
  if (json) {
    writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`Wrote ${json}`);
  }
  process.exit(result.breaches === 0 ? 0 : 1);
};

main().catch((error: unknown) => {
  console.error(`Chaos run failed to run: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(2);
});
