import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { listSubscriptions, serviceNames } from "../topology";
import { startLocalTraceViewer } from "./aspireDashboard";
import { startLocalStack } from "./stack";

/**
 * `npm start`: the whole system on this machine, no cloud account, no Docker. Ctrl-C stops everything.
 * Flags: `--func` uses Azure Functions Core Tools' `func start` instead of the built-in host;
 * `--host-per-service` runs one Functions host per service (ports 7081, 7082, …), as each is its own app in Azure.
 */
const main = async () => {
  const appRoot = path.resolve(__dirname, "../../..");
  const settings = path.join(appRoot, "local.settings.json");
  if (!existsSync(settings)) {
    copyFileSync(path.join(appRoot, "local.settings.sample.json"), settings);
    console.log("Created local.settings.json from local.settings.sample.json");
  }
  const args = new Set(process.argv.slice(2));
  const hostPerService = args.has("--host-per-service");
  const started = Date.now();
  const traceViewer = await startLocalTraceViewer(appRoot, (line) => console.log(line));
  const stack = await startLocalStack({
    appRoot,
    appSettings: traceViewer ? { OTEL_EXPORTER_OTLP_ENDPOINT: traceViewer.otlpHttpUrl } : {},
    functionsHost: args.has("--func") ? "func" : "builtin",
    hostPerService,
    // One host per service takes a port each from 7081 up, clear of the emulator (7075) and simulators (7076).
    ports: hostPerService ? { functions: 7081 } : {},
  }).catch(async (error: unknown) => {
    await traceViewer?.stop();
    throw error;
  });
  const hosts = new Set(Object.values(stack.functionsUrls));
  const urls =
    hosts.size === 1
      ? `    all services   ${[...hosts][0]}   (GET /admin/functions lists them)`
      : serviceNames.map((s) => `    ${s.padEnd(14)} ${stack.functionsUrls[s]}`).join("\n");
  console.log(`
Local stack ready in ${Date.now() - started} ms — ${serviceNames.length} services, ${listSubscriptions().length} Event Grid subscriptions.
  API            ${stack.apiUrl}
  Dashboard      ${stack.functionsUrls.journal ?? "(journal not hosted)"}/api/dashboard   (every flow, live)
  Traces         ${traceViewer ? `${traceViewer.url}   (Aspire Dashboard: one trace per flow)` : "off (see above)"}
  Functions hosts
${urls}
  Event Grid     ${stack.eventGrid.url}   (GET /dead-letters, GET /deliveries)
  Cosmos DB      ${stack.cosmos.endpoint}  (database ${stack.cosmos.databaseName})
  Simulators     ${stack.devUrl}/dev      (payment gateway, bank, CRM, mailbox)
  Host admin     ${stack.devUrl}/admin/hosts   (POST /admin/hosts/{service}/kill?downForMs=N | /restart; crashed hosts restart)

Try:  curl -X PUT ${stack.apiUrl}/inventory/SKU-1 -H 'content-type: application/json' -d '{"available": 5}'
Press Ctrl-C to stop.
`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    Promise.all([stack.stop(), traceViewer?.stop()]).then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
};

main().catch((error: unknown) => {
  console.error(`Local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
