import { writeFileSync } from "node:fs";
import path from "node:path";
import { formatChaosReport } from "./chaos/report";
import { ChaosOptions, EVENT_GRID_FIRST_RETRY_MS, defaultChaosOptions, shortChaosOptions } from "./chaos/plan";
import { runChaos } from "./chaos/runChaos";

const USAGE = `npm run chaos -- [--flows N] [--outage-ms N] [--kills N] [--seed N] [--retry-scale X] [--short] [--json FILE] [--verbose]
  Starts the local stack in split mode on free loopback ports, runs mixed flows while killing service hosts,
  duplicating deliveries and taking the CRM down, waits for quiescence and checks the business invariants.
  Exits 1 on any breach, 2 on bad flags or a run that could not start.`;

const parseArgs = (argv: readonly string[]): { options: ChaosOptions; json?: string; verbose: boolean } => {
  let options: ChaosOptions = argv.includes("--short") ? shortChaosOptions : defaultChaosOptions;
  let json: string | undefined;
  let verbose = false;
  const number = (flag: string, text: string | undefined, integer = true): number => {
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) throw new Error(`${flag} needs a ${integer ? "whole " : ""}number ≥ 0, got ${text}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const next = () => argv[++i];
    switch (flag) {
      case "--short":
        break;
      case "--flows":
        options = { ...options, flows: number(flag, next()) };
        break;
      case "--outage-ms":
        options = { ...options, outageMs: number(flag, next()) };
        break;
      case "--kills":
        options = { ...options, kills: number(flag, next()) };
        break;
      case "--seed":
        options = { ...options, seed: number(flag, next()) };
        break;
      case "--retry-scale": {
        const scale = number(flag, next(), false);
        if (scale <= 0 || scale > 1) throw new Error(`--retry-scale must be in (0, 1], got ${scale}`);
        options = { ...options, retryScale: scale };
        break;
      }
      case "--json":
        json = next();
        if (!json) throw new Error("--json needs a file name");
        break;
      case "--verbose":
        verbose = true;
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  if (options.flows < 1 || options.flows > 5_000) throw new Error("--flows must be 1 to 5000 (the run is bounded)");
  if (options.kills > 50 || options.outageMs > 300_000) throw new Error("--kills ≤ 50 and --outage-ms ≤ 300000 (the run is bounded)");
  const firstRetryMs = EVENT_GRID_FIRST_RETRY_MS * options.retryScale;
  if (options.kills > 0 && firstRetryMs >= options.outageMs) {
    throw new Error(`--retry-scale ${options.retryScale} puts the first retry at ${firstRetryMs} ms, not shorter than --outage-ms ${options.outageMs}: the outages would test nothing`);
  }
  return { options, json, verbose };
};

const main = async () => {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
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
