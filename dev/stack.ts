import { ChildProcess, spawn } from "node:child_process";
import { existsSync, renameSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { topicNames } from "../src/events/catalog";
import { TopicLayout, settingPrefixOf, shardsOf, singleShardLayout } from "../src/events/topicShards";
import { ServiceName, listSubscriptions, serviceNames, services } from "../src/topology";
import { indexingPolicyOf } from "../src/containerIndexing";
import {
  COSMOS_EMULATOR_KEY, type StoreFaults, deleteCosmosData, deleteSnapshot, localCosmosClient, restoreCosmos, startCosmosServer, startSnapshots,
} from "@azure-choreography/cosmos-server";
import { functionsHostMain } from "@azure-choreography/functions-host";
import { createFaultsAdminApi } from "./admin/faultsApi";
import { withHostsAdmin } from "./admin/hostsApi";
import { DeadLetterStorage, startDeadLetterStorage } from "./deadLetterStorage";
import { PortInUseError, explainListenError, portSettings } from "./ports";
import { startDevServer } from "./devServer";
import { deleteDeliveryState, startEventGridEmulator, type EmulatorSubscription, type EventGridEmulator } from "@azure-choreography/eventgrid-emulator";
import { LOCAL_RETRY_SCALE, emulatorSubscriptionsFor } from "./emulatorSubscriptions";
import { createDeliveryTracing } from "./eventGridTracing";
import { localJournalSettings } from "./journalSettings";
import { HostSupervisor, StartedHostProcess, createHostSupervisor } from "./hostSupervisor";
import { LOCAL_BANK_TIMEOUT_MS, createSimulators } from "./simulators";
import { deleteSimulatorData, journaledStore } from "./simulators/store";
import { stopChildProcess } from "./stopChildProcess";

/** The local topic key: the emulator checks it like Event Grid checks `aeg-sas-key`. Local only, never in Azure. */
export const LOCAL_TOPIC_KEY = "local-eventgrid-key";
export const LOCAL_DATABASE_NAME = "choreography";

export interface LocalStackOptions {
  /** Folder with package.json, host.json and the compiled app (the repository root). */
  readonly appRoot: string;
  /** 0 picks a free port. Defaults: Cosmos 8081 (the emulator's), Functions 7071 (func's), Event Grid 7075, dev 7076. */
  readonly ports?: Partial<{ cosmos: number; functions: number; eventGrid: number; dev: number }>;
  /** `builtin`: this project's Functions host; `func`: Azure Functions Core Tools' `func start` (must be on PATH). */
  readonly functionsHost?: "builtin" | "func";
  /** One Functions host process per service (as in Azure) instead of one for all. Builtin host only. */
  readonly hostPerService?: boolean;
  /** Services to host; default all. Subscriptions of services not hosted are not routed. */
  readonly services?: readonly ServiceName[];
  /**
   * Event Grid topics per topic (src/events/topicShards.ts); one each by default, which keeps the stack light. More
   * runs the same code with more emulated topics and subscriptions.
   */
  readonly topicLayout?: TopicLayout;
  /**
   * Compresses Event Grid's time, its retry schedule and each subscription's time to live: 0.01 (the default) makes the
   * first retry 100 ms instead of 10 s.
   */
  readonly retryScale?: number;
  /** Replaces every subscription's (the manifest's), for a test that wants a quick dead letter. */
  readonly maxDeliveryAttempts?: number;
  /** Extra app settings for the Functions host(s), e.g. to point a service at a broken URL in a test. */
  readonly appSettings?: Readonly<Record<string, string>>;
  readonly disableTimers?: boolean;
  /** Runs Azurite with its data in `location` and dead-letters into its `dead-letters` container, as Event Grid does. */
  readonly deadLetterStorage?: { readonly port: number; readonly location: string };
  /**
   * Keeps the stack's data in `directory` across restarts, even a `kill -9`: Cosmos documents in an append-only
   * journal (`cosmos/`, each write on disk before it is answered), the Event Grid emulator's accepted deliveries and
   * their retry schedule (`eventgrid/`, each publish on disk before it is answered), and the simulators' records
   * (`simulators/`: charges, payments, contacts, emails, each on disk before the simulator answers). `store: "snapshot"` is the older design, kept
   * for `npm run bench` to compare: the documents saved to `cosmos.json` every few seconds (a crash loses the last ones).
   */
  readonly persistence?: { readonly directory: string; readonly store?: "journal" | "snapshot"; readonly snapshotIntervalInMs?: number };
  /** Called with the stack's own settings once its parts' URLs are known; returns settings laid over them. */
  readonly resolveAppSettings?: (stackDefaults: Readonly<Record<string, string>>) => Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly functionsUrls: Readonly<Partial<Record<ServiceName, string>>>;
  readonly devUrl: string;
  readonly eventGrid: EventGridEmulator;
  readonly cosmos: { readonly endpoint: string; readonly key: string; readonly databaseName: string };
  readonly appSettings: Readonly<Record<string, string>>;
  /** The Functions host processes, kept running; kill one to test a crash (also at `{devUrl}/admin/hosts`). */
  readonly hosts: HostSupervisor;
  /** Present when the stack runs Azurite: where the dead-letter blobs are. */
  readonly deadLetterStorage?: Pick<DeadLetterStorage, "connectionString" | "blobEndpoint" | "containerName">;
  /** Documents loaded from the data directory at start (undefined without persistence). */
  readonly restored?: { readonly restored: number; readonly expired: number };
  /** The store's faults on demand (also at `{devUrl}/admin/store/faults`). */
  readonly storeFaults: StoreFaults;
  stop(): Promise<void>;
}

const READY_LINE = /Functions host listening on (http:\/\/[^\s]+)/;
const FUNC_READY_LINE = /Host lock lease acquired|Worker process started and initialized|Functions:/;

/** Creates the database and one container per service, as infra/main.bicep does in Azure. */
export const provisionCosmos = async (endpoint: string, key: string, databaseName: string): Promise<void> => {
  const client = localCosmosClient(endpoint, key);
  try {
    const { database } = await client.databases.createIfNotExists({ id: databaseName });
    for (const service of serviceNames) {
      // defaultTtl -1 as infra/modules/cosmos.bicep sets it: only items with their own `ttl` expire. The indexing
      // policy Bicep deploys (src/containerIndexing.ts), so the journal's flow listing runs the query it runs in Azure.
      await database.containers.createIfNotExists({ id: services[service].container, partitionKey: { paths: ["/pk"] }, defaultTtl: -1, indexingPolicy: indexingPolicyOf(service) });
    }
  } finally {
    client.dispose();
  }
};

/**
 * Starts the whole local stack: a Cosmos-protocol server, the Event Grid emulator routing by the manifest, the
 * simulators of outside systems, and the Functions host(s) loading the compiled app exactly as `func` would.
 */
export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tagged = (tag: string) => (line: string) => log(`[${tag}] ${line}`);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const cosmosPort = options.ports?.cosmos ?? portSettings.cosmos.fallback;
    const persistence = options.persistence;
    const journaled = persistence !== undefined && persistence.store !== "snapshot";
    const cosmos = await startCosmosServer({ port: cosmosPort, ...(journaled ? { dataDirectory: cosmosJournalDir(persistence.directory) } : {}) }).catch(
      (e: unknown) => Promise.reject(explainListenError(e, "cosmos", cosmosPort)),
    );
    stops.push(() => cosmos.close());
    await provisionCosmos(cosmos.endpoint, cosmos.key ?? COSMOS_EMULATOR_KEY, LOCAL_DATABASE_NAME);
    tagged("cosmos")(`Cosmos-protocol server on ${cosmos.endpoint} (database ${LOCAL_DATABASE_NAME}, ${serviceNames.length} containers)`);
    let restored: { restored: number; expired: number } | undefined;
    if (persistence && journaled) {
      restored = { restored: cosmos.durability?.restoredDocuments ?? 0, expired: 0 };
      // Data of the snapshot design, from before the journal: loaded once (into the journal), then set aside.
      const legacy = snapshotFile(persistence.directory);
      if (restored.restored === 0 && existsSync(legacy)) {
        restored = await restoreCosmos({ file: legacy, endpoint: cosmos.endpoint, key: cosmos.key, databaseName: LOCAL_DATABASE_NAME });
        renameSync(legacy, `${legacy}.imported`);
        tagged("cosmos")(`imported ${restored.restored} document(s) from ${legacy} into the journal (the file is now ${legacy}.imported)`);
      }
    } else if (persistence) {
      const where = { file: snapshotFile(persistence.directory), endpoint: cosmos.endpoint, key: cosmos.key, databaseName: LOCAL_DATABASE_NAME };
      restored = await restoreCosmos(where);
      const snapshots = startSnapshots({
        ...where,
        containers: serviceNames.map((s) => services[s].container),
        writeCount: () => cosmos.writeCount(),
        ...(persistence.snapshotIntervalInMs === undefined ? {} : { intervalInMs: persistence.snapshotIntervalInMs }),
        log: tagged("cosmos"),
      });
      stops.push(() => snapshots.stop());
    }

    const hosts = createHostSupervisor({ log: tagged("stack") });
    const devPort = options.ports?.dev ?? portSettings.dev.fallback;
    const simulatorStore = persistence && journaled ? journaledStore(simulatorsFile(persistence.directory)) : undefined;
    if (simulatorStore) stops.push(() => simulatorStore.close());
    const started: { eventGrid?: EventGridEmulator } = {};
    const simulators = [...withHostsAdmin(createSimulators(simulatorStore), hosts), createFaultsAdminApi(cosmos.faults, () => started.eventGrid)];
    const dev = await startDevServer({ port: devPort, simulators, log: tagged("dev") }).catch(
      (e: unknown) => Promise.reject(explainListenError(e, "dev", devPort)),
    );
    stops.push(() => dev.close());

    let deadLetterStorage: DeadLetterStorage | undefined;
    if (options.deadLetterStorage) {
      const storage = await startDeadLetterStorage({ ...options.deadLetterStorage, log: tagged("azurite") });
      deadLetterStorage = storage;
      stops.push(() => storage.stop());
      tagged("azurite")(`Azurite blob ${storage.blobEndpoint}, dead letters in container ${storage.containerName}`);
    }

    let subscriptions: EmulatorSubscription[] = [];
    const deliveryTime = {
      retryScale: options.retryScale ?? LOCAL_RETRY_SCALE,
      ...(options.maxDeliveryAttempts === undefined ? {} : { maxDeliveryAttempts: options.maxDeliveryAttempts }),
    };
    const eventGridPort = options.ports?.eventGrid ?? portSettings.eventGrid.fallback;
    const topicLayout = options.topicLayout ?? singleShardLayout;
    const topicShards = topicNames.flatMap((t) => shardsOf(t, topicLayout));
    // With a trace viewer, the emulator's delivery attempts join each flow's trace too.
    const otlpEndpoint = options.appSettings?.OTEL_EXPORTER_OTLP_ENDPOINT;
    const deliveryTracing = otlpEndpoint ? createDeliveryTracing(otlpEndpoint) : undefined;
    if (deliveryTracing) stops.push(() => deliveryTracing.shutdown());
    const eventGrid = await startEventGridEmulator({
      port: eventGridPort,
      topics: topicShards.map((name) => ({ name, key: LOCAL_TOPIC_KEY })),
      subscriptions: () => subscriptions,
      retryScale: deliveryTime.retryScale,
      ...(deadLetterStorage ? { deadLetterSink: deadLetterStorage.sink } : {}),
      ...(deliveryTracing ? { onAttempt: deliveryTracing.onAttempt } : {}),
      ...(persistence && journaled ? { stateDirectory: eventGridStateDir(persistence.directory) } : {}),
      // Deliveries start once every host is up: after a restart, what was pending does not back off against hosts
      // that are still starting (Event Grid's next retry can be minutes away at any scale).
      startPaused: true,
      log: tagged("eventgrid"),
    }).catch((e: unknown) => Promise.reject(explainListenError(e, "eventGrid", eventGridPort)));
    stops.push(() => eventGrid.close());
    started.eventGrid = eventGrid;

    const stackDefaults: Record<string, string> = {
      COSMOS__accountEndpoint: cosmos.endpoint,
      COSMOS__key: cosmos.key,
      COSMOS_DATABASE_NAME: LOCAL_DATABASE_NAME,
      ALLOW_INSECURE_CONNECTIONS: "true",
      ...Object.fromEntries(
        topicShards.flatMap((shard) => [
          [`${settingPrefixOf(shard)}__topicEndpointUri`, eventGrid.topicEndpoint(shard)],
          [`${settingPrefixOf(shard)}__key`, LOCAL_TOPIC_KEY],
        ]),
      ),
      ...localServiceSettings(dev.url),
      ...localJournalSettings(eventGrid.url, deadLetterStorage?.connectionString),
    };
    const appSettings: Record<string, string> = {
      ...stackDefaults,
      ...options.resolveAppSettings?.(stackDefaults),
      ...options.appSettings,
    };

    const hosted = options.services ?? serviceNames;
    const groups: (readonly ServiceName[])[] = options.hostPerService ? hosted.map((s) => [s]) : [hosted];
    const functionsUrls: Partial<Record<ServiceName, string>> = {};
    // Each host's port is known before any host starts, and so is every subscription's endpoint: an event published
    // while a later host is still starting (a relay, a client retrying through a restart) is delivered once that host
    // is up, after Event Grid's retries, not dropped for want of a subscription.
    const firstPort = options.ports?.functions ?? portSettings.functions.fallback;
    const groupPorts: number[] = [];
    for (const [i] of groups.entries()) groupPorts.push(firstPort === 0 ? await freeLoopbackPort(groupPorts) : firstPort + i);
    const subscriptionsFor = (urlOf: (service: ServiceName) => string | undefined): EmulatorSubscription[] =>
      emulatorSubscriptionsFor(listSubscriptions(topicLayout), urlOf, deliveryTime);
    const plannedUrlOf = (service: ServiceName): string | undefined => {
      const i = groups.findIndex((g) => g.includes(service));
      return i < 0 ? undefined : `http://127.0.0.1:${groupPorts[i]}`;
    };
    subscriptions = subscriptionsFor(plannedUrlOf);
    stops.push(() => hosts.stop());
    // A few hosts start at once (each loads the whole app, CPU-bound): with one host per service, a stack's start (and
    // its restart after a crash) took 40 s one after the other on 2 cores.
    const startGroup = async (i: number, attempt = 1): Promise<void> => {
      const group = groups[i]!;
      const host = await hosts.add(group, groupPorts[i]!, (hostPort) => startHostProcess({
        appRoot: options.appRoot,
        port: hostPort,
        kind: options.functionsHost ?? "builtin",
        env: { ...appSettings, SERVICES: group.join(","), ...(options.disableTimers ? { FUNCTIONS_HOST_DISABLE_TIMERS: "1" } : {}) },
        log: tagged(group.length === 1 ? group[0]! : "functions"),
        label: group.length === 1 ? `Functions host (${group[0]})` : "Functions host",
      })).catch(async (error: unknown) => {
        // A port picked free a moment ago, taken meanwhile by another process on the machine: pick another.
        if (firstPort !== 0 || !(error instanceof PortInUseError) || attempt >= 3) throw error;
        groupPorts[i] = await freeLoopbackPort(groupPorts);
        subscriptions = subscriptionsFor(plannedUrlOf);
        return undefined;
      });
      if (!host) return startGroup(i, attempt + 1);
      for (const s of group) functionsUrls[s] = host.url;
    };
    let next = 0;
    const starters = Array.from({ length: Math.min(HOSTS_STARTING_AT_ONCE, groups.length) }, async () => {
      while (next < groups.length) await startGroup(next++);
    });
    // Every starter settles before a failure is reported, so no host is left starting unseen by stop().
    const failed = (await Promise.allSettled(starters)).find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    subscriptions = subscriptionsFor((service) => functionsUrls[service]);
    eventGrid.resumeDeliveries();
    return {
      apiUrl: `${functionsUrls.orders ?? Object.values(functionsUrls)[0]}/api`,
      functionsUrls,
      devUrl: dev.url,
      eventGrid,
      cosmos: { endpoint: cosmos.endpoint, key: cosmos.key, databaseName: LOCAL_DATABASE_NAME },
      appSettings,
      hosts,
      storeFaults: cosmos.faults,
      ...(restored ? { restored } : {}),
      ...(deadLetterStorage
        ? { deadLetterStorage: { connectionString: deadLetterStorage.connectionString, blobEndpoint: deadLetterStorage.blobEndpoint, containerName: deadLetterStorage.containerName } }
        : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

const HOSTS_STARTING_AT_ONCE = 3;

/** A free loopback port, not one of `taken`. */
const freeLoopbackPort = async (taken: readonly number[]): Promise<number> => {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port: picked } = server.address() as { port: number };
        server.close(() => resolve(picked));
      });
    });
    if (!taken.includes(port)) return port;
  }
};

/** Where the parts of the stack keep their data inside the stack's data directory. */
export const cosmosJournalDir = (dataDir: string): string => path.join(dataDir, "cosmos");
export const snapshotFile = (dataDir: string): string => path.join(dataDir, "cosmos.json");
export const eventGridStateDir = (dataDir: string): string => path.join(dataDir, "eventgrid");
export const simulatorsFile = (dataDir: string): string => path.join(dataDir, "simulators", "simulators.log");

/** Removes what the stack keeps (`npm start --fresh`); Azurite's dead letters and anything else in the folder stay. */
export const deleteStackData = (dataDir: string): void => {
  deleteCosmosData(cosmosJournalDir(dataDir));
  deleteSnapshot(snapshotFile(dataDir));
  deleteDeliveryState(eventGridStateDir(dataDir));
  deleteSimulatorData(simulatorsFile(dataDir));
};

/** Where each service's outside systems live locally: the simulators on the dev server. */
export const localServiceSettings = (devUrl: string): Record<string, string> => ({
  PAYMENT_GATEWAY_URL: `${devUrl}/dev/payments`,
  PAYMENT_GATEWAY_TIMEOUT_MS: "2000",
  BANK_API_URL: `${devUrl}/dev/bank`,
  BANK_API_TIMEOUT_MS: String(LOCAL_BANK_TIMEOUT_MS),
  CRM_API_URL: `${devUrl}/dev/crm`,
  CRM_API_KEY: "local-crm-key",
  EMAIL_PROVIDER: "http",
  MAILBOX_URL: `${devUrl}/dev/mailbox`,
});

const startHostProcess = (args: {
  appRoot: string;
  port: number;
  kind: "builtin" | "func";
  env: Record<string, string>;
  log: (line: string) => void;
  label: string;
}): Promise<StartedHostProcess> => {
  const child: ChildProcess =
    args.kind === "func"
      ? spawn("func", ["start", "--port", String(args.port), "--javascript"], { cwd: args.appRoot, env: { ...process.env, ...args.env }, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, [functionsHostMain], {
          cwd: args.appRoot,
          env: { ...process.env, ...args.env, FUNCTIONS_HOST_PORT: String(args.port), FUNCTIONS_APP_ROOT: args.appRoot, FUNCTIONS_HOST_EXIT_WITH_PARENT: "1" },
          stdio: ["ignore", "pipe", "pipe"],
        });
  const stop = (): Promise<void> => stopChildProcess(child, 5000);
  return new Promise((resolve, reject) => {
    let ready = false;
    const timeout = setTimeout(() => {
      void stop();
      reject(new Error(`${args.label} did not start within 60 s`));
    }, 60_000);
    let lastLine = "";
    const onLine = (line: string) => {
      args.log(line);
      if (line.trim()) lastLine = line.trim();
      if (ready) return;
      const match = READY_LINE.exec(line);
      if (match || (args.kind === "func" && FUNC_READY_LINE.test(line))) {
        ready = true;
        clearTimeout(timeout);
        resolve({ url: match ? match[1]!.replace(/\/$/, "") : `http://127.0.0.1:${args.port}`, child, stop });
      }
    };
    lines(child.stdout!, onLine);
    lines(child.stderr!, onLine);
    child.once("error", (error) => {
      clearTimeout(timeout);
      reject(error.message.includes("ENOENT") && args.kind === "func" ? new Error("`func` is not on PATH: install Azure Functions Core Tools or use `npm start`") : error);
    });
    // "close", not "exit": it comes once the output is drained, so the host's last line is known.
    child.once("close", (code) => {
      if (!ready) {
        clearTimeout(timeout);
        // The host's last line says why (a bad setting, a taken port): one line for the person starting the stack.
        reject(
          /EADDRINUSE/.test(lastLine)
            ? new PortInUseError(args.label, args.port, portSettings.functions.flag, portSettings.functions.envVar)
            : new Error(`${args.label} exited with code ${code} before it was ready: ${lastLine.replace(/^\[[^\]]*\]\s*/, "")}`),
        );
      }
    });
  });
};

const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) => {
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    let i: number;
    while ((i = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, i).replace(/\r$/, ""));
      buffer = buffer.slice(i + 1);
    }
  });
};
