import { DefaultAzureCredential } from "@azure/identity";
import { BlobServiceClient, ContainerClient } from "@azure/storage-blob";
import { azuriteConnectionString } from "../dev/azurite";
import { DEAD_LETTER_CONTAINER } from "../dev/eventGridDeadLetters";
import path from "node:path";
import { localDataDir, readStackInfo, stackEnvironment } from "../dev/stackInfo";
import { CliArgs, operator, operatorToolOptions, parseSince, runCli, table } from "./ops/cli";
import { DeadLetterFilter, discardDeadLetters, groupDeadLetters, listDeadLetters, replayDeadLetters } from "./ops/deadLetters";
import { publisherFromEnvironment } from "./ops/recheck";

const USAGE = `npm run dead-letters -- <list|show|replay|discard> [options]
  list                      dead letters grouped by subscription and reason, with counts
  show [blob|eventId]       each matching dead letter in full
  replay                    re-check against today's schema, re-publish to its topic, move the blob to replayed/
  discard --why TEXT        move the blob to discarded/ with who and why
Filters: --subscription S  --reason R  --since <ISO time|30m|2h|1d>
Output:  --json  --dry-run (replay/discard: say what would happen, change nothing)
Where:   locally Azurite (--connection-string, or AZURE_STORAGE_CONNECTION_STRING, or 127.0.0.1:AZURITE_PORT|10000);
         in Azure --account <storage account> (or AZURE_STORAGE_ACCOUNT / azd's STORAGE_ACCOUNT_NAME) with your
         Entra ID login (DefaultAzureCredential; needs Storage Blob Data Contributor on the container)
         --container (default ${DEAD_LETTER_CONTAINER}); replay publishes with EVENTGRID_<TOPIC>__topicEndpointUri
         or azd's EVENTGRID_TOPIC_ENDPOINTS, else the local emulator.`;

export const OPTIONS = {
  ...operatorToolOptions,
  subscription: { type: "string" },
  account: { type: "string" },
  "connection-string": { type: "string" },
  container: { type: "string" },
} as const;

const containerFrom = (args: Args): ContainerClient => {
  const name = args.values.container ?? DEAD_LETTER_CONTAINER;
  const account = args.values.account ?? env.AZURE_STORAGE_ACCOUNT ?? env.STORAGE_ACCOUNT_NAME;
  const connectionString = args.values["connection-string"] ?? (account ? undefined : env.AZURE_STORAGE_CONNECTION_STRING);
  if (connectionString) return BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name);
  if (account) return new BlobServiceClient(`https://${account}.blob.core.windows.net`, new DefaultAzureCredential()).getContainerClient(name);
  const port = env.AZURITE_PORT?.trim() || "10000";
  return BlobServiceClient.fromConnectionString(azuriteConnectionString(`http://127.0.0.1:${port}/devstoreaccount1`)).getContainerClient(name);
};

let env: NodeJS.ProcessEnv = process.env;

type Args = CliArgs<typeof OPTIONS>;

const COMMANDS = ["list", "show", "replay", "discard"] as const;

const main = async (command: (typeof COMMANDS)[number], args: Args): Promise<number> => {
  const azure = args.values.account !== undefined || Boolean(process.env.AZURE_STORAGE_ACCOUNT ?? process.env.STORAGE_ACCOUNT_NAME ?? process.env.EVENTGRID_TOPIC_ENDPOINTS);
  // Locally, a running `npm start` says where it is (moved ports included); explicit settings in the environment win.
  if (!azure) env = stackEnvironment(readStackInfo(localDataDir(path.resolve(__dirname, "../.."))), process.env);
  const now = new Date();
  const since = parseSince(args.values.since, now);
  const subscription = args.values.subscription;
  const reason = args.values.reason;
  const filter: DeadLetterFilter = { ...(subscription ? { subscription } : {}), ...(reason ? { reason } : {}), ...(since ? { since } : {}) };
  const json = args.values.json === true;
  const dryRun = args.values["dry-run"] === true;
  const container = containerFrom(args);
  const print = (value: unknown, text: string): void => {
    process.stdout.write(`${json ? JSON.stringify(value, null, 2) : text}\n`);
  };
  switch (command) {
    case "list": {
      const groups = groupDeadLetters(await listDeadLetters(container, filter));
      const total = groups.reduce((n, g) => n + g.count, 0);
      print(
        { total, groups },
        groups.length === 0
          ? "No dead letters."
          : `${table([["COUNT", "SUBSCRIPTION", "REASON", "EVENT TYPES"], ...groups.map((g) => [String(g.count), g.subscription, g.deadLetterReason, g.eventTypes.join(", ")])])}\n${total} dead letter(s).`,
      );
      return 0;
    }
    case "show": {
      const wanted = args.positional[0];
      const items = (await listDeadLetters(container, filter)).filter((i) => !wanted || i.blobName === wanted || i.event.id === wanted);
      print(items, items.map((i) => JSON.stringify(i, null, 2)).join("\n") || "No matching dead letters.");
      return items.length > 0 || !wanted ? 0 : 1;
    }
    case "replay": {
      const report = await replayDeadLetters(container, publisherFromEnvironment(env, () => new DefaultAzureCredential()), filter, { dryRun, by: operator(args.values.by), now });
      print(
        report,
        [
          `${dryRun ? "Would replay" : "Replayed"} ${report.replayed.length} event(s)${dryRun ? "" : `; ${report.blobsMoved} blob(s) moved to replayed/`}.`,
          ...report.invalid.map((i) => `NOT SENT ${i.eventId} (${i.blobName}): ${i.reason}`),
        ].join("\n"),
      );
      return report.invalid.length > 0 ? 1 : 0;
    }
    case "discard": {
      const why = args.values.why;
      if (!why) throw new Error("discard needs --why <text>: the reason is kept with the blob");
      const report = await discardDeadLetters(container, filter, { dryRun, by: operator(args.values.by), why, now });
      print(report, `${dryRun ? "Would discard" : "Discarded"} ${report.discarded.length} dead letter(s).`);
      return 0;
    }
    default: {
      const never: never = command;
      throw new Error(`unhandled command ${String(never)}`);
    }
  }
};

if (require.main === module) runCli(USAGE, COMMANDS, OPTIONS, main);
