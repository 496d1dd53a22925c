import { Container, CosmosClient } from "@azure/cosmos";
import { DefaultAzureCredential } from "@azure/identity";
import { COSMOS_EMULATOR_KEY } from "@azure-choreography/cosmos-server";
import { ServiceName, serviceNames, services } from "../src/topology";
import path from "node:path";
import { localDataDir, readStackInfo, stackEnvironment } from "../dev/stackInfo";
import { CliArgs, operator, operatorToolOptions, parseSince, runCli, table } from "./ops/cli";
import { PoisonFilter, discardPoison, groupPoison, listPoison, replayPoison } from "./ops/poison";
import { publisherFromEnvironment } from "./ops/recheck";
import { localCosmosClient } from "@azure-choreography/cosmos-server";

const USAGE = `npm run poison -- <list|show|replay|discard> [options]
  list                 parked poison events of every service, grouped by service, reaction and reason
  show [id]            each matching record in full
  replay               re-check against today's schema, re-publish to its topic, move the record to poison-replayed
  discard --why TEXT   move the record to poison-discarded with who and why
Filters: --service S  --reason <text in the reason>  --since <ISO time|30m|2h|1d>
Output:  --json  --dry-run
Where:   locally the stack's Cosmos server (COSMOS__accountEndpoint / COSMOS__key, default 127.0.0.1:COSMOS_PORT|8081);
         in Azure --cosmos-endpoint (or azd's COSMOS_ENDPOINT) with your Entra ID login (needs a Cosmos DB data role).`;

export const OPTIONS = {
  ...operatorToolOptions,
  service: { type: "string" },
  "cosmos-endpoint": { type: "string" },
  database: { type: "string" },
} as const;

const containersFrom = (args: Args): { client: CosmosClient; containers: Record<ServiceName, Container> } => {
  const azureEndpoint = args.values["cosmos-endpoint"] ?? env.COSMOS_ENDPOINT;
  const localEndpoint = env.COSMOS__accountEndpoint ?? `http://127.0.0.1:${env.COSMOS_PORT?.trim() || "8081"}/`;
  const client = azureEndpoint
    ? new CosmosClient({ endpoint: azureEndpoint, aadCredentials: new DefaultAzureCredential() })
    : localCosmosClient(localEndpoint, env.COSMOS__key ?? COSMOS_EMULATOR_KEY);
  const database = client.database(args.values.database ?? env.COSMOS_DATABASE_NAME ?? "choreography");
  const containers = Object.fromEntries(serviceNames.map((s) => [s, database.container(services[s].container)])) as Record<ServiceName, Container>;
  return { client, containers };
};

let env: NodeJS.ProcessEnv = process.env;

type Args = CliArgs<typeof OPTIONS>;

const COMMANDS = ["list", "show", "replay", "discard"] as const;

const main = async (command: (typeof COMMANDS)[number], args: Args): Promise<number> => {
  const azure = args.values["cosmos-endpoint"] !== undefined || Boolean(process.env.COSMOS_ENDPOINT ?? process.env.EVENTGRID_TOPIC_ENDPOINTS);
  // Locally, a running `npm start` says where it is (moved ports included); explicit settings in the environment win.
  if (!azure) env = stackEnvironment(readStackInfo(localDataDir(path.resolve(__dirname, "../.."))), process.env);
  const now = new Date();
  const since = parseSince(args.values.since, now);
  const service = args.values.service;
  if (service && !(serviceNames as readonly string[]).includes(service)) throw new Error(`--service must be one of ${serviceNames.join(", ")}`);
  const reason = args.values.reason;
  const filter: PoisonFilter = { ...(service ? { service } : {}), ...(reason ? { reason } : {}), ...(since ? { since } : {}) };
  const json = args.values.json === true;
  const dryRun = args.values["dry-run"] === true;
  const { client, containers } = containersFrom(args);
  const print = (value: unknown, text: string): void => {
    process.stdout.write(`${json ? JSON.stringify(value, null, 2) : text}\n`);
  };
  try {
    switch (command) {
      case "list": {
        const groups = groupPoison(await listPoison(containers, filter));
        const total = groups.reduce((n, g) => n + g.count, 0);
        print(
          { total, groups },
          groups.length === 0
            ? "No poison events."
            : `${table([["COUNT", "SERVICE", "REACTION", "REASON"], ...groups.map((g) => [String(g.count), g.service, g.reaction, g.reason])])}\n${total} poison event(s).`,
        );
        return 0;
      }
      case "show": {
        const wanted = args.positional[0];
        const items = (await listPoison(containers, filter)).filter((i) => !wanted || i.id === wanted || (i.event as { id?: unknown } | null)?.id === wanted);
        print(items, items.map((i) => JSON.stringify(i, null, 2)).join("\n") || "No matching poison events.");
        return items.length > 0 || !wanted ? 0 : 1;
      }
      case "replay": {
        const report = await replayPoison(containers, publisherFromEnvironment(env, () => new DefaultAzureCredential()), filter, { dryRun, by: operator(args.values.by), now });
        print(report, [`${dryRun ? "Would replay" : "Replayed"} ${report.replayed.length} event(s).`, ...report.invalid.map((i) => `NOT SENT ${i.service} ${i.id}: ${i.reason}`)].join("\n"));
        return report.invalid.length > 0 ? 1 : 0;
      }
      case "discard": {
        const why = args.values.why;
        if (!why) throw new Error("discard needs --why <text>: the reason is kept with the record");
        const report = await discardPoison(containers, filter, { dryRun, by: operator(args.values.by), why, now });
        print(report, `${dryRun ? "Would discard" : "Discarded"} ${report.discarded.length} poison event(s).`);
        return 0;
      }
      default: {
        const never: never = command;
        throw new Error(`unhandled command ${String(never)}`);
      }
    }
  } finally {
    client.dispose();
  }
};

if (require.main === module) runCli(USAGE, COMMANDS, OPTIONS, main);
