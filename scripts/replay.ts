import { writeFileSync } from "node:fs";
import path from "node:path";
import { Container, CosmosClient } from "@azure/cosmos";
import { AzureCliCredential } from "@azure/identity";
import { COSMOS_EMULATOR_KEY, localCosmosClient } from "@azure-choreography/cosmos-server";
import { localDataDir, readStackInfo } from "../dev/stackInfo";
import { EventType, isEventType } from "../src/events/catalog";
import { listReactions, services } from "../src/topology";
import { AzdEnvironmentError, az, functionAppsOf, readAzdEnvironment } from "./lib/azdEnvironment";
import { UsageError as FlagError, parseFlags } from "@azure-choreography/server-kit";
import { readArchive } from "./replay/archive";
import { openCheckpoint } from "./replay/checkpoint";
import { DeliverToFunction, webhookDelivery } from "./replay/deliver";
import { ReplaySummary, replay } from "./replay/replay";

const USAGE = `npm run replay -- --to <functionName> --since <ISO time> [--until <ISO time>] [--type <EventType>,…]
                      [--rate N] [--with-redacted] [--dry-run] [--json FILE] [--target <azd environment>]

Delivers the archived events (the journal's) that the function's subscription would have received, in publish order,
with their original ids, correlationid and traceparent, to that one function only (its Event Grid webhook), at most
--rate per second (default 20). A checkpoint per function (.local-data/replay/, or .azure/<env>/replay/) makes an
interrupted replay resume and a second one deliver nothing new. Events with fields the catalog marks sensitive are held
redacted in the archive and withheld unless --with-redacted. No --target: the running npm start.`;

class UsageError extends Error {}

interface Where {
  readonly journal: Container;
  readonly deliver: (functionName: string, service: string) => Promise<DeliverToFunction>;
  readonly checkpointDir: string;
  readonly label: string;
  close(): void;
}

const local = (root: string): Where => {
  const dataDir = localDataDir(root);
  const info = readStackInfo(dataDir);
  if (!info) throw new UsageError("No running stack found (.local-data/stack.json): start one with `npm start`, or pass --target <azd environment>");
  const client = localCosmosClient(info.cosmosEndpoint, COSMOS_EMULATOR_KEY);
  return {
    journal: client.database("choreography").container(services.journal.container),
    deliver: async (functionName, service) => {
      const host = info.functionsUrls[service as keyof typeof info.functionsUrls];
      if (!host) throw new UsageError(`The running stack hosts no ${service} service`);
      return webhookDelivery(host, functionName);
    },
    checkpointDir: path.join(dataDir, "replay"),
    label: "npm start",
    close: () => client.dispose(),
  };
};

/** A deployment: the journal read with the Azure CLI user's Entra identity, the function reached with its host's Event Grid system key. */
const azure = async (root: string, name: string): Promise<Where> => {
  const env = readAzdEnvironment(root, name);
  const endpoint = env.values.COSMOS_ENDPOINT;
  if (!endpoint) throw new UsageError(`azd environment ${name} has no COSMOS_ENDPOINT: run azd up (or azd env refresh) first`);
  const client = new CosmosClient({ endpoint, aadCredentials: new AzureCliCredential() });
  const apps = await functionAppsOf(env);
  return {
    journal: client.database(env.values.COSMOS_DATABASE_NAME ?? "choreography").container(services.journal.container),
    deliver: async (functionName, service) => {
      const app = apps.get(service);
      if (!app) throw new UsageError(`No Function App tagged azd-service-name=${service} in ${env.resourceGroup}`);
      const key = JSON.parse(await az(env, ["functionapp", "keys", "list", "--resource-group", env.resourceGroup, "--name", app.name, "--query", "systemKeys.eventgrid_extension"])) as string | null;
      if (!key) throw new UsageError(`${app.name} has no eventgrid_extension system key yet: is its code deployed (azd deploy)?`);
      return webhookDelivery(`https://${app.host}`, functionName, key);
    },
    checkpointDir: path.join(root, ".azure", name, "replay"),
    label: `azd environment ${name} (${env.resourceGroup})`,
    close: () => client.dispose(),
  };
};

const time = (flag: string, value: string | undefined, fallback?: Date): Date => {
  if (value === undefined) {
    if (fallback) return fallback;
    throw new UsageError(`--${flag} is required (an ISO time, e.g. 2026-12-01T00:00:00Z)`);
  }
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new UsageError(`--${flag} ${value} is not an ISO time`);
  return parsed;
};

const progressLine = (s: ReplaySummary): string =>
  `found ${s.found}  delivered ${s.delivered}  already seen ${s.alreadySeen}  withheld ${s.withheld}  failed ${s.failed}`;

const main = async (): Promise<number> => {
  const { values } = parseFlags(process.argv.slice(2), {
      to: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      type: { type: "string" },
      rate: { type: "string" },
      "with-redacted": { type: "boolean" },
      "dry-run": { type: "boolean" },
      json: { type: "string" },
      target: { type: "string" },
      help: { type: "boolean" },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const reaction = listReactions().find((r) => r.functionName === values.to);
  if (!reaction) throw new UsageError(`--to ${values.to ?? "(missing)"}: not a reaction of the manifest; one of ${listReactions().map((r) => r.functionName).join(", ")}`);
  const since = time("since", values.since);
  const until = time("until", values.until, new Date());
  if (until <= since) throw new UsageError("--until must be later than --since");
  const asked = values.type?.split(",").map((t) => t.trim());
  const unknown = asked?.filter((t) => !isEventType(t) || (reaction.eventTypes && !reaction.eventTypes.includes(t))) ?? [];
  if (unknown.length > 0) throw new UsageError(`--type ${unknown.join(", ")}: not an event type ${reaction.functionName} receives (${reaction.eventTypes?.join(", ") ?? "all"})`);
  const rate = values.rate === undefined ? 20 : Number(values.rate);
  if (!(rate > 0 && rate <= 1000)) throw new UsageError("--rate takes events per second, more than 0 and at most 1000");

  const root = path.resolve(__dirname, "..", "..");
  const where = values.target === undefined ? local(root) : await azure(root, values.target);
  try {
    const types = (asked as EventType[] | undefined) ?? reaction.eventTypes;
    const checkpoint = openCheckpoint(where.checkpointDir, reaction.functionName);
    const tty = process.stdout.isTTY;
    let lastPrinted = 0;
    console.log(`${values["dry-run"] ? "Dry run: would replay" : "Replaying"} to ${reaction.functionName} on ${where.label}: ${since.toISOString()} → ${until.toISOString()}, ${types?.join(", ") ?? "every event type"}`);
    const summary = await replay({
      events: readArchive(where.journal, { since, until, types }),
      deliver: values["dry-run"] ? async () => undefined : await where.deliver(reaction.functionName, reaction.service),
      checkpoint,
      ratePerSecond: rate,
      dryRun: values["dry-run"] ?? false,
      withRedacted: values["with-redacted"] ?? false,
      onProgress: (s) => {
        if (tty) process.stdout.write(`\r  ${progressLine(s)}`);
        else if (Date.now() - lastPrinted > 2000) {
          lastPrinted = Date.now();
          console.log(`  ${progressLine(s)}`);
        }
      },
    });
    if (tty) process.stdout.write("\n");
    console.log(`${values["dry-run"] ? "would deliver" : "done"}: ${progressLine(summary)}`);
    for (const failure of summary.failures.slice(0, 10)) console.error(`  failed: ${failure}`);
    if (summary.withheld > 0) console.log(`  ${summary.withheld} withheld: their sensitive fields are redacted in the archive (--with-redacted delivers them masked)`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify({ to: reaction.functionName, since, until, types, dryRun: values["dry-run"] ?? false, ...summary }, null, 2)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } finally {
    where.close();
  }
};

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const usage = error instanceof UsageError || error instanceof FlagError || error instanceof AzdEnvironmentError;
    console.error(`replay: ${error instanceof Error ? error.message : String(error)}${usage ? `\n\n${USAGE}` : ""}`);
    process.exitCode = usage ? 2 : 1;
  },
);
