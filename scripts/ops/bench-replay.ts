import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { apiReplies, parseReply } from "../../dev/apiReplies";
import { LOCAL_TOPIC_KEY, startLocalStack } from "../../dev/stack";
import { topicNames } from "../../src/events/catalog";
import { listDeadLetters, replayDeadLetters } from "./deadLetters";
import { publisherFromEnvironment } from "./recheck";
import { UsageError, parseFlags } from "@azure-choreography/server-kit";

/**
 * Figures for the operator tools, printed, never asserted: stack start and stop, and `replay` of N dead letters
 * (sign-ups dead-lettered during a CRM outage) until every user is onboarded. `npm run build && node
 * dist/scripts/ops/bench-replay.js [N]`.
 */
const USAGE = "node dist/scripts/ops/bench-replay.js [N]   (N dead letters to replay, default 100)";

/** The one positional argument, N; no flags. */
export const parseBenchReplayArgs = (argv: readonly string[]): number => {
  const { positionals } = parseFlags(argv, {}, true);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const count = Number(positionals[0] ?? 100);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`N must be a whole number ≥ 1, got '${positionals[0]}'`);
  return count;
};

const main = async (count: number): Promise<void> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-replay-"));
  const t0 = Date.now();
  const stack = await startLocalStack({
    appRoot: path.resolve(__dirname, "../../.."),
    ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
    retryScale: 0.005,
    maxDeliveryAttempts: 1,
    disableTimers: true,
    deadLetterStorage: { port: 0, location: path.join(dataDir, "azurite") },
    persistence: { directory: dataDir },
    log: () => undefined,
  });
  const started = Date.now() - t0;
  try {
    const post = (url: string, method: string, body: unknown) =>
      fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r): Promise<unknown> => r.json());
    await post(`${stack.devUrl}/dev/crm/outage`, "PUT", { down: true });
    const users: string[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await post(`${stack.apiUrl}/users`, "POST", { email: `bench-${Date.now().toString(36)}-${i}@example.com`, name: "Bench" });
      users.push(parseReply(apiReplies.userAccepted, answer, "POST /users").userId);
    }
    await stack.eventGrid.idle(120_000);
    await post(`${stack.devUrl}/dev/crm/outage`, "PUT", { down: false });
    const container = BlobServiceClient.fromConnectionString(stack.deadLetterStorage!.connectionString).getContainerClient("dead-letters");
    const listStarted = Date.now();
    const listed = await listDeadLetters(container);
    const listMs = Date.now() - listStarted;
    const env = Object.fromEntries(topicNames.flatMap((t) => [[`EVENTGRID_${t.toUpperCase()}__topicEndpointUri`, stack.eventGrid.topicEndpoint(t)], [`EVENTGRID_${t.toUpperCase()}__key`, LOCAL_TOPIC_KEY]]));
    const replayStarted = Date.now();
    const report = await replayDeadLetters(container, publisherFromEnvironment(env, () => { throw new Error("no Entra ID locally"); }), {}, { by: "bench", now: new Date() });
    const replayMs = Date.now() - replayStarted;
    for (const userId of users) {
      for (;;) {
        const user = parseReply(apiReplies.user, await fetch(`${stack.apiUrl}/users/${userId}`).then((r): Promise<unknown> => r.json()), `GET /users/${userId}`);
        if (user.status === "Onboarded") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const onboardedMs = Date.now() - replayStarted;
    console.log(`stack start (in process, Azurite + Cosmos + Event Grid + 1 host): ${started} ms`);
    console.log(`dead letters: ${listed.length} listed in ${listMs} ms`);
    console.log(`replay: ${report.replayed.length} events re-published and ${report.blobsMoved} blobs moved in ${replayMs} ms; all ${users.length} users onboarded ${onboardedMs} ms after the replay began`);
  } finally {
    const stopStarted = Date.now();
    await stack.stop();
    console.log(`stack stop: ${Date.now() - stopStarted} ms`);
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  let count: number;
  try {
    count = parseBenchReplayArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  main(count).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
