import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { listSubscriptions, serviceNames } from "../src/topology";
import { startLocalTraceViewer } from "./aspireDashboard";
import { renderBanner } from "./banner";
import { readLocalSettingsValues, resolveAppSettings } from "./localSettings";
import { exitWithParent } from "@azure-choreography/server-kit";
import { LOCAL_TOPIC_KEY, deleteStackData, startLocalStack } from "./stack";
import { StartArgs, USAGE, parseStartArgs } from "./startArgs";
import { localDataDir, removeStackInfo, writeStackInfo } from "./stackInfo";
import { topicNames } from "../src/events/catalog";

/**
 * `npm start`: the whole system on this machine, no cloud account, no Docker. Ctrl-C (or SIGTERM) stops everything.
 * Flags: see USAGE in startArgs.ts (`npm start -- --help`); a bad one is refused in one line with the usage, exit 2.
 * Data (Cosmos documents, Azurite's blobs) lives in `.local-data/` (LOCAL_DATA_DIR), which git ignores.
 */
const main = async (args: StartArgs) => {
  const appRoot = path.resolve(__dirname, "../..");
  const settingsFile = path.join(appRoot, "local.settings.json");
  if (!existsSync(settingsFile)) {
    copyFileSync(path.join(appRoot, "local.settings.sample.json"), settingsFile);
    console.log("Created local.settings.json from local.settings.sample.json");
  }
  const { hostPerService, fresh, ports } = args;
  const dataDir = localDataDir(appRoot);
  if (fresh) deleteStackData(dataDir);
  const localValues = readLocalSettingsValues(settingsFile);
  const sampleValues = readLocalSettingsValues(path.join(appRoot, "local.settings.sample.json"));
  let settingsNotes: string[] = [];

  const started = Date.now();
  const traceViewer = await startLocalTraceViewer(appRoot, (line) => console.log(line));
  const stack = await startLocalStack({
    appRoot,
    appSettings: {
      ...(traceViewer ? { OTEL_EXPORTER_OTLP_ENDPOINT: traceViewer.otlpHttpUrl } : {}),
      // Executing/Executed lines and full stack traces of failures; without it, one line per failure.
      ...(args.verbose ? { FUNCTIONS_HOST_VERBOSE: "1" } : {}),
    },
    functionsHost: args.func ? "func" : "builtin",
    hostPerService,
    ports,
    deadLetterStorage: { port: ports.azurite, location: path.join(dataDir, "azurite") },
    persistence: { directory: dataDir },
    resolveAppSettings: (stackDefaults) => {
      const resolved = resolveAppSettings({ stackDefaults, localValues, sampleValues, env: process.env });
      settingsNotes = resolved.notes;
      return resolved.overrides;
    },
  }).catch(async (error: unknown) => {
    await traceViewer?.stop();
    throw error;
  });
  // Stop handlers first, so a signal that arrives while the banner prints still stops everything.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    const begun = Date.now();
    removeStackInfo(dataDir);
    Promise.all([stack.stop(), traceViewer?.stop()]).then(
      () => {
        console.log(`Stopped in ${Date.now() - begun} ms; data kept in ${path.relative(process.cwd(), dataDir) || "."}`);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGHUP", () => shutdown("SIGHUP"));
  // `npm start` runs this under `sh -c`, and a SIGTERM to npm reaches that shell, which dies without passing it on:
  // losing the parent is then the only sign, so it stops the stack too (on every OS, unlike `exec` in the script).
  // The hosts and Azurite watch this process the same way, so even a SIGKILL here leaves no port taken.
  exitWithParent();

  writeStackInfo(dataDir, {
    functionsUrls: stack.functionsUrls,
    topicEndpoints: Object.fromEntries(topicNames.map((t) => [t, stack.eventGrid.topicEndpoint(t)])),
    topicKey: LOCAL_TOPIC_KEY,
    cosmosEndpoint: stack.cosmos.endpoint,
    devUrl: stack.devUrl,
    ...(stack.deadLetterStorage ? { deadLetterConnectionString: stack.deadLetterStorage.connectionString } : {}),
  });

  const restored = stack.restored;
  const dataLine = fresh
    ? `fresh start (--fresh): empty; kept from now on in ${dataDir}`
    : restored && restored.restored > 0
      ? `restored ${restored.restored} document(s) from ${dataDir}${restored.expired > 0 ? ` (${restored.expired} expired by ttl)` : ""}; --fresh starts empty`
      : `empty (nothing saved yet); kept in ${dataDir}`;
  console.log(
    renderBanner({
      startedInMs: Date.now() - started,
      serviceCount: serviceNames.length,
      subscriptionCount: listSubscriptions().length,
      functionsUrls: stack.functionsUrls,
      eventGridUrl: stack.eventGrid.url,
      cosmosEndpoint: stack.cosmos.endpoint,
      databaseName: stack.cosmos.databaseName,
      devUrl: stack.devUrl,
      ...(stack.deadLetterStorage ? { deadLetterBlobEndpoint: stack.deadLetterStorage.blobEndpoint } : {}),
      dataLine,
      settingsNotes,
      ...(stack.functionsUrls.journal ? { dashboardUrl: `${stack.functionsUrls.journal}/api/dashboard` } : {}),
      tracesLine: traceViewer ? `${traceViewer.url}   (Aspire Dashboard: one trace per flow)` : "off (no dotnet; see above)",
    }),
  );
};

const argsOrExit = (): StartArgs => {
  try {
    return parseStartArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
};

const args = argsOrExit();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
main(args).catch((error: unknown) => {
  console.error(`Local stack failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
