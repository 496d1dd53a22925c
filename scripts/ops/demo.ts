import path from "node:path";
import { apiReplies } from "../../dev/apiReplies";
import { localDataDir, readStackInfo } from "../../dev/stackInfo";
import { flowNames, flows } from "../../src/flows";
import { ApiClient, createApiClient } from "../verify/client";
import { outsideAnswersFrom, scenarios } from "../verify/scenarios";

/**
 * `npm run demo`: each flow of src/flows.ts on its success path (the first scenario `npm run verify` runs) against a
 * running `npm start`, and the flow's timeline from the journal: what happened, in causal order, how long after the
 * flow began.
 */
const info = readStackInfo(localDataDir(path.resolve(__dirname, "../..")));
const fallback = process.env.DEMO_API_URL?.replace(/\/api\/?$/, "") ?? "http://127.0.0.1:7071";
const api = createApiClient({ label: "npm start", urlOf: (service) => info?.functionsUrls[service] ?? fallback, headers: async () => ({}) });

const timeline = async (client: ApiClient, title: string, correlationId: string, summary: string): Promise<void> => {
  // The journal records every event as it is delivered; wait until it stops growing.
  let events: { time: string; type: string; source: string; subject?: string | undefined }[] = [];
  for (let stable = 0; stable < 3; ) {
    const reply = await client.call("GET", "journal", `flows/${correlationId}`);
    const next = reply.status === 200 ? client.expect("the flow", reply, 200, apiReplies.flow).events : [];
    stable = next.length === events.length && next.length > 0 ? stable + 1 : 0;
    events = next;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const start = Date.parse(events[0]?.time ?? new Date().toISOString());
  console.log(`\n${title}  (flow ${correlationId})\n  ${summary}`);
  for (const e of events) {
    const offset = `+${String(Date.parse(e.time) - start).padStart(5)} ms`;
    console.log(`  ${offset}  ${e.type.padEnd(34)} from ${e.source.replace("/services/", "").padEnd(13)} ${e.subject ?? ""}`);
  }
};

const main = async (): Promise<void> => {
  const run = Date.now().toString(36);
  console.log(`Against ${info ? "the running npm start" : fallback} (${info?.functionsUrls.orders ?? fallback}/api …)`);
  let n = 0;
  for (const flow of flowNames) {
    const [successPath] = scenarios[flow];
    if (!successPath) continue;
    const outcome = await successPath.run({ api, id: `demo-${run}-${flow}`, answers: outsideAnswersFrom(process.env), deadlineInMs: 30_000 });
    await timeline(api, `${++n}. ${flow}: ${flows[flow].description}`, outcome.correlationId, outcome.facts);
  }
};

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(/fetch failed|ECONNREFUSED/.test(message) ? `No stack answers at ${fallback}: start it with npm start (${message})` : `demo failed: ${message}`);
  process.exit(1);
});
