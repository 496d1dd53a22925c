import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { startCosmosServer, startSnapshots } from "@azure-choreography/cosmos-server";
import { startEventGridEmulator } from "@azure-choreography/eventgrid-emulator";
import { LOCAL_DATABASE_NAME, LocalStack, provisionCosmos, startLocalStack } from "../dev/stack";
import type { PublisherKind } from "../src/platform/publisher";
import { BenchOptions, USAGE, parseBenchArgs } from "./bench/args";
import { childrenCpuBetween, childrenCpuMs, ownCpuMs, ownMainThreadCpuMs, runWorker } from "./bench/childProcess";
import { CostPerMillion, FlowUsage, PRICES, RU, RuCategory, costPerMillionFlows, ruByCategory } from "./bench/cost";
import { DEFAULT_TARGET, parseTarget } from "./capacity/args";
import { countFlows as countCapacityFlows } from "./capacity/count";
import { CapacityReport, capacityModel } from "./capacity/model";
import { renderSummaryLine } from "./capacity/render";
import { FlowDriver, onboardingFlow, orderFlow, seedStock, seedWallets, topUpFlow } from "./bench/flows";
import { FlowName } from "../src/flows";
import { requestText } from "./bench/loadClient";
import { cpuBoundFlowsPerS, median, percentile } from "./bench/stats";
import { measuredWindow } from "./bench/window";
import { StoreCounts, StoreObserver, diffCounts, observeCosmosServer, scaleCounts } from "./bench/storeObserver";
import type { StoreOp } from "./bench/storeWorker";
import { localCosmosClient } from "@azure-choreography/cosmos-server";

/**
 * `npm run bench`: in one run, side by side on this machine — what the local store could serve per flow, what the
 * flows achieve through the Functions host(s) at rising concurrency, one host vs one host per service, the publish
 * path's CPU (thin publisher vs EventGridPublisherClient), and what a million flows would cost in Azure from the
 * operations counted. Loopback only; bounded by the step list, the step duration and a per-flow timeout.
 * See docs/benchmark.md for how to read it.
 */
type HostMode = "one host" | "host per service";

interface StepResult {
  concurrency: number;
  flowsPerS: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  hostCpuMsPerFlow: number | undefined;
  benchCpuMsPerFlow: number;
  /** The busiest main thread's CPU per flow (a host's, or the bench process's), and whose. */
  busiestThread: { readonly of: "host" | "bench process"; readonly msPerFlow: number } | undefined;
  /** The machine's ceiling at this step's CPU per flow: all cores ÷ every process's CPU, at most 1 s ÷ the busiest main thread's. */
  cpuBoundFlowsPerS: number | undefined;
  pointReadsPerFlow: number;
  batchesPerFlow: number;
  /** The machine's 1-minute load average when the step ended: how noisy its neighbours were. */
  load: number;
  runs: number[];
}

interface CountedFlow {
  flows: number;
  store: StoreCounts;
  publishRequests: number;
  eventsPublished: number;
  deliveryAttempts: number;
  deliverySeconds: number;
  apiSeconds: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The hosts' last lines that name an error (business outcomes such as PaymentFailed aside), shown when a step has failed flows. */
const hostProblems: string[] = [];
const BUSINESS_FAILURES = /CrmContactAddFailed|PaymentFailed|StockReservationFailed/;
const noteHostLine = (line: string): void => {
  if (!/error|fail|warn/i.test(line) || BUSINESS_FAILURES.test(line)) return;
  hostProblems.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
  if (hostProblems.length > 20) hostProblems.shift();
  if (process.env.BENCH_LOGS === "1") log(line);
};

const perFlow = (n: number, flows: number) => (flows > 0 ? n / flows : NaN);

const closedLoop = async (
  stack: LocalStack,
  observer: StoreObserver,
  driver: FlowDriver,
  concurrency: number,
  durationMs: number,
): Promise<Omit<StepResult, "runs">> => {
  const warmMs = Math.min(2000, durationMs / 5);
  hostProblems.length = 0;
  const t0 = performance.now();
  const from = t0 + warmMs;
  const to = from + durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const snapshot = () => ({ host: childrenCpuMs(), own: ownCpuMs(), ownMainThread: ownMainThreadCpuMs(), store: observer.counts() });
  const measured = measuredWindow(snapshot, warmMs, warmMs + durationMs);
  const worker = async (w: number) => {
    while (performance.now() < to) {
      try {
        const latency = await driver.run(w);
        const at = performance.now();
        if (at >= from && at <= to) latencies.push(latency);
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const { start, end } = measured.close();
  // Let trailing reactions (journal, notifications) finish, so the next step starts from a quiet system.
  await stack.eventGrid.idle(120_000).catch(() => log("warning: deliveries still pending after 120 s"));
  if (firstError) {
    log(`  ${errors} flow(s) failed; first: ${(firstError as Error).message}`);
    for (const line of hostProblems.splice(0)) log(`    host: ${line}`);
  }
  const flows = latencies.length;
  const store = diffCounts(end.store, start.store);
  const hostCpu = childrenCpuBetween(start.host, end.host);
  const benchMs = end.own - start.own;
  const benchThreadMs = end.ownMainThread === undefined || start.ownMainThread === undefined ? undefined : end.ownMainThread - start.ownMainThread;
  const busiestThread =
    hostCpu === undefined || benchThreadMs === undefined
      ? undefined
      : hostCpu.busiestMainThreadMs >= benchThreadMs
        ? { of: "host" as const, msPerFlow: perFlow(hostCpu.busiestMainThreadMs, flows) }
        : { of: "bench process" as const, msPerFlow: perFlow(benchThreadMs, flows) };
  if (hostCpu && hostCpu.exited.length > 0) log(`  warning: process(es) ${hostCpu.exited.join(", ")} exited during the step; their CPU is not counted`);
  return {
    concurrency,
    flowsPerS: flows / (durationMs / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors,
    hostCpuMsPerFlow: hostCpu && perFlow(hostCpu.ms, flows),
    benchCpuMsPerFlow: perFlow(benchMs, flows),
    busiestThread,
    cpuBoundFlowsPerS: hostCpu && cpuBoundFlowsPerS(cpus().length, perFlow(hostCpu.ms + benchMs, flows), busiestThread?.msPerFlow),
    pointReadsPerFlow: perFlow(store.ops.readHit + store.ops.readMiss, flows),
    batchesPerFlow: perFlow(store.ops.batch, flows),
    load: loadavg()[0] ?? NaN,
  };
};

export interface FlowReads {
  flow: FlowName;
  /**
   * `first`: each flow read once, for the first time since it ended (the journal's partition query); `again`: a few
   * hundred of those flows read over and over, unchanged (the same query: as pages that poll).
   */
  kind: "first" | "again";
  readers: number;
  /** Distinct flows the readers went through. */
  flows: number;
  reads: number;
  readsPerS: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** Store operations per `GET /api/flows/{id}`, counted while the readers ran. */
  queriesPerRead: number;
  pointReadsPerRead: number;
  /** Documents in the journal's container when the step ran. */
  journalDocuments: number | undefined;
}

const FLOW_READERS = 16;
const MAX_FLOW_READS = 20_000;
/** Flows read over and over in the `again` step (as pages that poll them). */
const HOT_FLOWS = 500;

/**
 * `GET /api/flows/{correlationId}` (the flow view: events in causal order, status, waitingFor, dead letters, poison)
 * with 16 concurrent readers over the flows the closed loop just finished, bounded in time and in count: first each
 * flow once (as a page that opens flows as they end), then a few hundred of them again (as pages that poll).
 */
const measureFlowReads = async (stack: LocalStack, observer: StoreObserver, driver: FlowDriver, durationMs: number): Promise<FlowReads[]> => {
  const ids = [...driver.finished];
  if (ids.length === 0) throw new Error(`no finished ${driver.name} flows to read`);
  const journal = stack.functionsUrls.journal;
  if (!journal) throw new Error("the stack runs no journal");
  const getFlow = (id: string) => requestText("GET", `${journal}/api/flows/${encodeURIComponent(id)}`);
  const journalDocuments = await countJournalDocuments(stack);
  const read = async (kind: FlowReads["kind"], pool: readonly string[], cycle: boolean): Promise<FlowReads> => {
    const latencies: number[] = [];
    const seen = new Set<string>();
    let errors = 0;
    let next = 0;
    const before = observer.counts();
    const started = performance.now();
    const until = started + durationMs;
    await Promise.all(
      Array.from({ length: FLOW_READERS }, async () => {
        while (performance.now() < until && next < MAX_FLOW_READS && (cycle || next < pool.length)) {
          const id = pool[next++ % pool.length]!;
          seen.add(id);
          const t0 = performance.now();
          const response = await getFlow(id).catch(() => undefined);
          if (response?.status === 200 && response.text.includes(id)) latencies.push(performance.now() - t0);
          else errors += 1;
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    const store = diffCounts(observer.counts(), before);
    const reads = latencies.length + errors;
    return {
      flow: driver.name,
      kind,
      readers: FLOW_READERS,
      flows: seen.size,
      reads,
      readsPerS: latencies.length / elapsedS,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      errors,
      queriesPerRead: perFlow(store.ops.query, reads),
      pointReadsPerRead: perFlow(store.ops.readHit + store.ops.readMiss, reads),
      journalDocuments,
    };
  };
  // Warm-up, not counted: the query's code path (compiled, connections open) on flows the first step then skips.
  const warmUp = ids.splice(-Math.min(FLOW_READERS * 4, Math.floor(ids.length / 2)));
  await Promise.all(warmUp.map((id) => getFlow(id).catch(() => undefined)));
  const first = await read("first", ids, false);
  // The flows read last (the journal remembers the last 1,000 it showed): each is read again unchanged from the start.
  const again = await read("again", ids.slice(Math.max(0, first.flows - HOT_FLOWS), first.flows), true);
  return [first, again];
};

const countJournalDocuments = async (stack: LocalStack): Promise<number | undefined> => {
  const client = localCosmosClient(stack.cosmos.endpoint, stack.cosmos.key);
  try {
    const { resources } = await client.database(LOCAL_DATABASE_NAME).container("journal").items.query<number>("SELECT VALUE COUNT(1) FROM c").fetchAll();
    return resources[0];
  } catch (error) {
    log(`warning: the journal's documents could not be counted: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    client.dispose();
  }
};

/** A few flows at concurrency 4 with every store answer parsed, then a wait until Event Grid has nothing left. */
const countFlows = async (
  stack: LocalStack,
  observer: StoreObserver,
  driver: FlowDriver,
  flows: number,
  publishes: { requests: number; events: number },
): Promise<CountedFlow> => {
  await stack.eventGrid.idle(60_000);
  const since = new Date().toISOString();
  observer.setDetailed(true);
  const before = observer.counts();
  const published = { ...publishes };
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      while (next < flows) {
        next += 1;
        await driver.run(w);
      }
    }),
  );
  await stack.eventGrid.idle(120_000);
  observer.setDetailed(false);
  const store = diffCounts(observer.counts(), before);
  const deliveries = stack.eventGrid.deliveries().filter((d) => d.time >= since);
  // A batch's events share one request (the journal's subscriptions take batches): each is charged its share of it.
  const durations = deliveries.map((d) => d.durationInMs / (d.batchSize ?? 1));
  // The POST that starts a flow is an execution too; its duration is not observable here, so it is charged the
  // median delivery's.
  const apiMs = flows * median(durations.length ? durations : [0]);
  return {
    flows,
    store,
    publishRequests: publishes.requests - published.requests,
    eventsPublished: publishes.events - published.events,
    deliveryAttempts: deliveries.length,
    deliverySeconds: durations.reduce((a, b) => a + b, 0) / 1000,
    apiSeconds: apiMs / 1000,
  };
};

const runHostMode = async (mode: HostMode, options: BenchOptions) => {
  const publishes = { requests: 0, events: 0 };
  const stack = await startLocalStack({
    appRoot: path.resolve(__dirname, "../.."),
    ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
    hostPerService: mode === "host per service",
    disableTimers: true,
    log: (line) => {
      const match = /← (\d+) event\(s\)/.exec(line);
      if (match) {
        publishes.requests += 1;
        publishes.events += Number(match[1]);
      } else noteHostLine(line);
    },
  });
  const observer = observeCosmosServer(Number(new URL(stack.cosmos.endpoint).port));
  try {
    await seedStock(stack);
    // Every flow of src/flows.ts has a driver, or this does not compile; a top-up needs wallets, opened by sign-ups first.
    const drivers: Record<FlowName, () => Promise<FlowDriver>> = {
      order: async () => orderFlow(stack, observer),
      onboarding: async () => onboardingFlow(stack, observer),
      topUp: async () => topUpFlow(stack, observer, await seedWallets(stack, observer, 64)),
    };
    const counted: Partial<Record<FlowName, CountedFlow>> = {};
    const steps: Partial<Record<FlowName, StepResult[]>> = {};
    const flowReads: FlowReads[] = [];
    for (const flow of options.flows) {
      const driver = await drivers[flow]();
      await Promise.all(Array.from({ length: 4 }, (_, w) => driver.run(w))); // warm-up: module loads, connections
      counted[flow] = await countFlows(stack, observer, driver, options.countedFlows, publishes);
      log(`${mode}: ${flow} flow counted over ${options.countedFlows} flows`);
      const results: StepResult[] = [];
      for (const concurrency of options.steps) {
        const runs: Omit<StepResult, "runs">[] = [];
        for (let r = 0; r < options.repeats; r++) {
          runs.push(await closedLoop(stack, observer, driver, concurrency, options.durationS * 1000));
          log(`${mode}: ${flow} c=${concurrency} run ${r + 1}: ${runs.at(-1)!.flowsPerS.toFixed(1)} flows/s`);
        }
        const byThroughput = [...runs].sort((a, b) => a.flowsPerS - b.flowsPerS);
        const mid = byThroughput[Math.floor((byThroughput.length - 1) / 2)]!;
        results.push({ ...mid, runs: runs.map((r) => r.flowsPerS) });
      }
      steps[flow] = results;
      if (mode === "one host") {
        for (const r of await measureFlowReads(stack, observer, driver, options.durationS * 1000)) {
          flowReads.push(r);
          log(`${mode}: ${flow} flow reads (${r.kind}), ${r.readers} readers: ${r.readsPerS.toFixed(0)}/s, p99 ${r.p99.toFixed(0)} ms`);
        }
      }
      driver.close();
    }
    return { mode, counted, steps, flowReads };
  } finally {
    observer.close();
    await stack.stop();
  }
};

const STORE_CONTAINERS: Record<StoreOp, string> = { readHit: "orders", readMiss: "inventory", batch: "payments", query: "invoicing" };

interface StoreRate {
  op: StoreOp;
  opsPerS: number;
  serverCpuMsPerOp: number;
}

type DurableStore = "journal" | "snapshot";

/**
 * The local Cosmos-protocol server alone, loaded through the real client from another process, one op kind at a time;
 * with `store`, keeping its data as `npm start` does (the journal, or the older 5-second snapshots, whose reads of
 * every container run in this process too, so they count in the server's CPU).
 */
const measureStore = async (
  options: BenchOptions,
  shape: { opsPerBatch: number; docBytes: number; docsPerQuery: number },
  how: { store?: DurableStore; ops?: readonly StoreOp[]; durationMs?: number } = {},
): Promise<StoreRate[]> => {
  const dataDir = how.store ? mkdtempSync(path.join(tmpdir(), `bench-${how.store}-`)) : undefined;
  const server = await startCosmosServer({ port: 0, ...(how.store === "journal" ? { dataDirectory: dataDir } : {}) });
  const snapshots = how.store === "snapshot"
    ? startSnapshots({
      file: path.join(dataDir!, "cosmos.json"), endpoint: server.endpoint, key: server.key, databaseName: LOCAL_DATABASE_NAME,
      containers: Object.values(STORE_CONTAINERS), writeCount: () => server.writeCount(), log,
    })
    : undefined;
  try {
    await provisionCosmos(server.endpoint, server.key, LOCAL_DATABASE_NAME);
    const rates: StoreRate[] = [];
    for (const op of how.ops ?? (["readHit", "readMiss", "batch", "query"] as const)) {
      const cpu0 = ownCpuMs();
      const result = await runWorker<{ ops: number; wallMs: number }>("storeWorker.js", {
        // Each kind in its own container: the local server scans a whole container for a query (it ignores the
        // partition key), so a query after the batch run would measure the batch run's leftovers.
        endpoint: server.endpoint, key: server.key, database: LOCAL_DATABASE_NAME, container: STORE_CONTAINERS[op],
        op, durationMs: how.durationMs ?? options.microS * 1000, concurrency: 16, ...shape,
      });
      // The server's CPU includes the worker's warm-up; charge it all to the measured ops (a slight overestimate).
      rates.push({ op, opsPerS: (result.ops / result.wallMs) * 1000, serverCpuMsPerOp: (ownCpuMs() - cpu0) / result.ops });
    }
    return rates;
  } finally {
    await snapshots?.stop();
    await server.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
};

interface DurabilityAb {
  concurrency: number;
  flows: Record<DurableStore, { flowsPerS: number; p99: number; runs: number[] }>;
  store: Record<DurableStore, StoreRate[]>;
  storeSeconds: number;
}

/**
 * What durability costs, in one run: the order flow through one host on a stack keeping its data in the journal and
 * on one keeping the 5-second snapshots (both up at once, runs alternating, as the publisher A/B), and the store
 * alone under writes and reads in each mode. The snapshot runs last long enough for a snapshot or two: its cost comes
 * every 5 s and grows with the data, the journal's with each write.
 */
const measureDurability = async (options: BenchOptions, shape: { opsPerBatch: number; docBytes: number; docsPerQuery: number }): Promise<DurabilityAb> => {
  const concurrency = Math.min(16, Math.max(...options.steps));
  const dirs = { journal: mkdtempSync(path.join(tmpdir(), "bench-journal-")), snapshot: mkdtempSync(path.join(tmpdir(), "bench-snapshot-")) };
  const start = (store: DurableStore) =>
    startLocalStack({
      appRoot: path.resolve(__dirname, "../.."),
      ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
      disableTimers: true,
      persistence: { directory: dirs[store], store },
      log: noteHostLine,
    });
  const stacks = { journal: await start("journal"), snapshot: await start("snapshot") };
  const observers = {
    journal: observeCosmosServer(Number(new URL(stacks.journal.cosmos.endpoint).port)),
    snapshot: observeCosmosServer(Number(new URL(stacks.snapshot.cosmos.endpoint).port)),
  };
  const runs: Record<DurableStore, Omit<StepResult, "runs">[]> = { journal: [], snapshot: [] };
  try {
    const drivers = { journal: orderFlow(stacks.journal, observers.journal), snapshot: orderFlow(stacks.snapshot, observers.snapshot) };
    for (const store of ["journal", "snapshot"] as const) {
      await seedStock(stacks[store]);
      await Promise.all(Array.from({ length: 4 }, (_, w) => drivers[store].run(w)));
    }
    for (let r = 0; r < Math.max(options.repeats, 2); r++) {
      for (const store of (r % 2 === 0 ? ["snapshot", "journal"] : ["journal", "snapshot"]) as DurableStore[]) {
        runs[store].push(await closedLoop(stacks[store], observers[store], drivers[store], concurrency, Math.max(options.durationS, 6) * 1000));
        log(`durability A/B: order c=${concurrency} ${store}: ${runs[store].at(-1)!.flowsPerS.toFixed(1)} flows/s`);
      }
    }
    for (const d of Object.values(drivers)) d.close();
  } finally {
    for (const o of Object.values(observers)) o.close();
    await stacks.journal.stop();
    await stacks.snapshot.stop();
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
  const storeSeconds = Math.max(10, options.microS * 2);
  const store = { snapshot: [] as StoreRate[], journal: [] as StoreRate[] };
  for (const kind of ["snapshot", "journal"] as const) {
    store[kind] = await measureStore(options, shape, { store: kind, ops: ["batch", "readHit"], durationMs: storeSeconds * 1000 });
    log(`durability: store (${kind}) ${store[kind].map((s) => `${s.op} ${s.opsPerS.toFixed(0)}/s, ${s.serverCpuMsPerOp.toFixed(3)} ms CPU/op`).join("; ")}`);
  }
  const summary = (kind: DurableStore) => ({
    flowsPerS: median(runs[kind].map((x) => x.flowsPerS)),
    p99: median(runs[kind].map((x) => x.p99)),
    runs: runs[kind].map((x) => x.flowsPerS),
  });
  return { concurrency, flows: { journal: summary("journal"), snapshot: summary("snapshot") }, store, storeSeconds };
};

interface PublisherAb {
  concurrency: number;
  thin: { flowsPerS: number; hostCpuMsPerFlow: number | undefined; p99: number; runs: number[] };
  sdk: { flowsPerS: number; hostCpuMsPerFlow: number | undefined; p99: number; runs: number[] };
}

/**
 * The order flow through one host with each publisher, two stacks up at once and runs alternating between them, so
 * both see the same neighbours. The SDK host gets a bench-only preload (scripts/bench/sdkPublisherPreload.ts).
 */
const measurePublisherInFlows = async (options: BenchOptions): Promise<PublisherAb> => {
  const concurrency = Math.min(16, Math.max(...options.steps));
  let sdkConfirmed = false;
  const start = (sdk: boolean) =>
    startLocalStack({
      appRoot: path.resolve(__dirname, "../.."),
      ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
      disableTimers: true,
      ...(sdk ? { appSettings: { NODE_OPTIONS: `--require ${path.join(__dirname, "bench/sdkPublisherPreload.js")}` } } : {}),
      log: (line) => {
        if (sdk && line.includes("publishes through EventGridPublisherClient")) sdkConfirmed = true;
        else noteHostLine(line);
      },
    });
  const stacks = { thin: await start(false), sdk: await start(true) };
  const observers = { thin: observeCosmosServer(Number(new URL(stacks.thin.cosmos.endpoint).port)), sdk: observeCosmosServer(Number(new URL(stacks.sdk.cosmos.endpoint).port)) };
  try {
    const drivers = { thin: orderFlow(stacks.thin, observers.thin), sdk: orderFlow(stacks.sdk, observers.sdk) };
    const runs: Record<"thin" | "sdk", Omit<StepResult, "runs">[]> = { thin: [], sdk: [] };
    for (const kind of ["thin", "sdk"] as const) {
      await seedStock(stacks[kind]);
      await Promise.all(Array.from({ length: 4 }, (_, w) => drivers[kind].run(w)));
    }
    if (!sdkConfirmed) throw new Error("the SDK publisher preload did not take effect in the host");
    for (let r = 0; r < Math.max(options.repeats, 2); r++) {
      const order: readonly ("thin" | "sdk")[] = r % 2 === 0 ? ["thin", "sdk"] : ["sdk", "thin"];
      for (const kind of order) {
        runs[kind].push(await closedLoop(stacks[kind], observers[kind], drivers[kind], concurrency, options.durationS * 1000));
        log(`publisher A/B: order c=${concurrency} ${kind}: ${runs[kind].at(-1)!.flowsPerS.toFixed(1)} flows/s`);
      }
    }
    for (const d of Object.values(drivers)) d.close();
    const summary = (kind: "thin" | "sdk") => ({
      flowsPerS: median(runs[kind].map((x) => x.flowsPerS)),
      hostCpuMsPerFlow: median(runs[kind].map((x) => x.hostCpuMsPerFlow ?? NaN)),
      p99: median(runs[kind].map((x) => x.p99)),
      runs: runs[kind].map((x) => x.flowsPerS),
    });
    return { concurrency, thin: summary("thin"), sdk: summary("sdk") };
  } finally {
    for (const o of Object.values(observers)) o.close();
    await stacks.thin.stop();
    await stacks.sdk.stop();
  }
};

interface PublishSide {
  kind: PublisherKind;
  sendsPerS: number;
  cpuMsPerSend: number;
  runs: { sendsPerS: number; cpuMsPerSend: number }[];
}

/** Both publishers against the same emulator, alternating, each in its own process so its CPU is its own. */
const measurePublishers = async (options: BenchOptions): Promise<PublishSide[]> => {
  const key = "bench-key";
  const emulator = await startEventGridEmulator({ port: 0, topics: [{ name: "orders", key }], subscriptions: [], log: () => undefined });
  try {
    const runs: Record<PublisherKind, { sendsPerS: number; cpuMsPerSend: number }[]> = { sdk: [], thin: [] };
    for (let r = 0; r < Math.max(options.repeats, 2); r++) {
      for (const kind of (r % 2 === 0 ? ["sdk", "thin"] : ["thin", "sdk"]) as PublisherKind[]) {
        const result = await runWorker<{ sends: number; wallMs: number; cpuMs: number }>("publishWorker.js", {
          kind, endpoint: emulator.topicEndpoint("orders"), key, durationMs: options.microS * 1000, concurrency: 8, eventsPerSend: 1,
        });
        runs[kind].push({ sendsPerS: (result.sends / result.wallMs) * 1000, cpuMsPerSend: result.cpuMs / result.sends });
      }
    }
    return (["sdk", "thin"] as const).map((kind) => ({
      kind,
      sendsPerS: median(runs[kind].map((x) => x.sendsPerS)),
      cpuMsPerSend: median(runs[kind].map((x) => x.cpuMsPerSend)),
      runs: runs[kind],
    }));
  } finally {
    await emulator.close();
  }
};

const storeTimeMsPerFlow = (c: StoreCounts, rates: readonly StoreRate[], pick: (r: StoreRate) => number) => {
  const of = (op: StoreOp) => rates.find((r) => r.op === op)!;
  // A single write (outside a batch) is charged as a batch: both are one round trip that writes.
  return (
    c.ops.readHit * pick(of("readHit")) +
    c.ops.readMiss * pick(of("readMiss")) +
    (c.ops.batch + c.ops.batchFailed + c.ops.write) * pick(of("batch")) +
    c.ops.query * pick(of("query"))
  );
};

const sumRu = (ru: Record<RuCategory, number>) => Object.values(ru).reduce((a, b) => a + b, 0);
const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits));
const usd = (n: number) => `$${n.toFixed(2)}`;

const main = async (options: BenchOptions) => {
  const started = new Date();
  log(`bench: steps ${options.steps.join("/")}, ${options.durationS} s each, ${options.repeats} run(s), flows ${options.flows.join(", ")}`);
  const publishers = await measurePublishers(options);
  log(`publishers: ${publishers.map((p) => `${p.kind} ${p.cpuMsPerSend.toFixed(3)} ms CPU/send`).join(", ")}`);
  const publisherAb = options.flows.includes("order") ? await measurePublisherInFlows(options) : undefined;
  const modes: Awaited<ReturnType<typeof runHostMode>>[] = [];
  for (const mode of ["one host", "host per service"] as HostMode[]) modes.push(await runHostMode(mode, options));
  const single = modes[0]!;

  // The store's shape as the flows use it: mean operations per batch, mean document size, documents per query.
  const all = Object.values(single.counted).map((c) => c.store);
  const sum = (f: (c: StoreCounts) => number) => all.reduce((a, c) => a + f(c), 0);
  const writtenDocs = sum((c) => Object.values(c.writes).reduce((a, w) => a + w.documents, 0));
  const writtenBytes = sum((c) => Object.values(c.writes).reduce((a, w) => a + w.bytes, 0));
  const shape = {
    opsPerBatch: Math.max(1, Math.round(sum((c) => c.batchOperations) / Math.max(1, sum((c) => c.ops.batch)))),
    docBytes: Math.max(200, Math.round(writtenBytes / Math.max(1, writtenDocs))),
    docsPerQuery: Math.max(1, Math.round(sum((c) => c.queryDocuments) / Math.max(1, sum((c) => c.ops.query)))),
  };
  const store = await measureStore(options, shape);
  log(`store: ${store.map((s) => `${s.op} ${s.opsPerS.toFixed(0)}/s`).join(", ")}`);
  const durability = options.flows.includes("order") ? await measureDurability(options, shape) : undefined;

  const flowsReport = options.flows.map((flow) => {
    const counted = single.counted[flow]!;
    const perFlowCounts = scaleCounts(counted.store, 1 / counted.flows);
    // The server is one Node process: with a core of its own it serves 1 s ÷ its CPU time per flow. Wall-clock rates
    // on a shared 2-core machine measure the neighbours as much as the server, so they are shown but not used.
    const storeMs = storeTimeMsPerFlow(perFlowCounts, store, (r) => 1000 / r.opsPerS);
    const storeCpuMs = storeTimeMsPerFlow(perFlowCounts, store, (r) => r.serverCpuMsPerOp);
    const storeBound = 1000 / storeCpuMs;
    const oneHost = single.steps[flow]!;
    const best = Math.max(...oneHost.map((s) => s.flowsPerS));
    const usage: FlowUsage = {
      eventsPublished: counted.eventsPublished / counted.flows,
      deliveryAttempts: counted.deliveryAttempts / counted.flows,
      executions: (counted.deliveryAttempts + counted.flows) / counted.flows,
      executionSeconds: (counted.deliverySeconds + counted.apiSeconds) / counted.flows,
      saturatedInstanceSeconds: best > 0 ? 1 / best : undefined,
      ru: ruByCategory(perFlowCounts),
    };
    const cost = costPerMillionFlows(usage);
    // The same operations with every path indexed, as every container was before its indexing policy.
    const previousRu = ruByCategory(perFlowCounts, "indexEverything");
    const previous = { ru: previousRu, cost: costPerMillionFlows({ ...usage, ru: previousRu }) };
    return { flow, counted, perFlowCounts, previous, storeMsPerFlow: storeMs, storeCpuMsPerFlow: storeCpuMs, storeBoundFlowsPerS: storeBound, usage, cost,
      steps: Object.fromEntries(modes.map((m) => [m.mode, m.steps[flow]!])) as Record<HostMode, StepResult[]> };
  });

  const capacity = await measureCapacity(options);
  printTable(options, publishers, publisherAb, store, shape, flowsReport, single.flowReads, durability, capacity);
  if (options.json) {
    const capacityJson = { target: capacity.target, bottleneck: capacity.bottleneck, ruPerFlow: capacity.ruPerFlow, monthlyCostUsd: capacity.monthlyCostUsd, perMillionFlows: capacity.perMillionFlows, perMillionFlowsAtScale: capacity.perMillionFlowsAtScale };
    writeFileSync(options.json, JSON.stringify({ startedAt: started.toISOString(), options, prices: PRICES, ru: RU, publishers, publisherAb, store, shape, flows: flowsReport, flowReads: single.flowReads, durability, capacity: capacityJson }, null, 2));
    log(`figures written to ${options.json}`);
  }
};

/**
 * `npm run capacity`'s model at its default target (the flows this run covers), counted on a stack of its own as
 * capacity counts (scripts/capacity/count.ts), for its summary line: the first bottleneck, RU and $ per million flows.
 */
const measureCapacity = async (options: BenchOptions): Promise<CapacityReport> => {
  const target = Object.fromEntries(Object.entries(parseTarget(DEFAULT_TARGET)).filter(([f]) => (options.flows as readonly string[]).includes(f)));
  const counts = await countCapacityFlows({ flowsEach: options.countedFlows, only: options.flows, log });
  return capacityModel(counts, target);
};

type FlowReport = {
  flow: FlowName;
  perFlowCounts: StoreCounts;
  /** RU and cost of the same operations under the previous layout (every path of every container indexed). */
  previous: { ru: Record<RuCategory, number>; cost: CostPerMillion };
  counted: CountedFlow;
  storeMsPerFlow: number;
  storeCpuMsPerFlow: number;
  storeBoundFlowsPerS: number;
  usage: FlowUsage;
  cost: CostPerMillion;
  steps: Record<HostMode, StepResult[]>;
};

const printTable = (
  options: BenchOptions,
  publishers: PublishSide[],
  publisherAb: PublisherAb | undefined,
  store: StoreRate[],
  shape: { opsPerBatch: number; docBytes: number; docsPerQuery: number },
  flows: FlowReport[],
  flowReads: readonly FlowReads[],
  durability: DurabilityAb | undefined,
  capacity: CapacityReport,
) => {
  const out: string[] = [];
  const line = (s = "") => out.push(s);
  line(`## npm run bench — ${new Date().toISOString().slice(0, 16)}Z, ${options.durationS} s per step, median of ${options.repeats}`);
  line();
  line(`Machine: ${cpus().length} cores, 1-minute load average ${loadavg()[0]?.toFixed(1)} at the end (other work shares the cores: compare ratios, not absolutes).`);
  line();
  line("Publish path (one event per send, 8 concurrent, same Event Grid emulator, each publisher in its own process):");
  line("| publisher | CPU ms per send | sends/s |");
  line("|---|---:|---:|");
  for (const p of publishers) line(`| ${p.kind === "sdk" ? "EventGridPublisherClient" : "thin (node:http)"} | ${fmt(p.cpuMsPerSend, 3)} | ${fmt(p.sendsPerS, 0)} |`);
  const [sdk, thin] = publishers;
  if (sdk && thin) line(`thin ÷ SDK: CPU per send ${fmt(thin.cpuMsPerSend / sdk.cpuMsPerSend, 2)}, sends/s ${fmt(thin.sendsPerS / sdk.sendsPerS, 2)}`);
  if (publisherAb) {
    const { thin: t, sdk: k, concurrency } = publisherAb;
    line();
    line(`Order flow through one host at concurrency ${concurrency}, by publisher (two stacks, runs alternating):`);
    line("| publisher | flows/s | host CPU ms/flow | p99 ms | runs (flows/s) |");
    line("|---|---:|---:|---:|---|");
    line(`| EventGridPublisherClient | ${fmt(k.flowsPerS)} | ${fmt(k.hostCpuMsPerFlow)} | ${fmt(k.p99, 0)} | ${k.runs.map((r) => r.toFixed(0)).join(" / ")} |`);
    line(`| thin (node:http) | ${fmt(t.flowsPerS)} | ${fmt(t.hostCpuMsPerFlow)} | ${fmt(t.p99, 0)} | ${t.runs.map((r) => r.toFixed(0)).join(" / ")} |`);
    line(`thin ÷ SDK: flows/s ${fmt(t.flowsPerS / k.flowsPerS, 2)}, host CPU per flow ${fmt((t.hostCpuMsPerFlow ?? NaN) / (k.hostCpuMsPerFlow ?? NaN), 2)}`);
  }
  if (durability) {
    const { flows: f, store: st, concurrency, storeSeconds } = durability;
    const rate = (kind: DurableStore, op: StoreOp) => st[kind].find((r) => r.op === op);
    line();
    line(`What durability costs (same run): order flow through one host at concurrency ${concurrency}, two stacks keeping their data (runs alternating); the store alone for ${storeSeconds} s per op:`);
    line("| store | flows/s | p99 ms | runs (flows/s) | batch ops/s | store CPU ms per batch | point reads/s | store CPU ms per read |");
    line("|---|---:|---:|---|---:|---:|---:|---:|");
    for (const kind of ["snapshot", "journal"] as const) {
      const label = kind === "journal" ? "journal (each write fsync'd before the answer)" : "snapshot every 5 s (the old design)";
      line(`| ${label} | ${fmt(f[kind].flowsPerS)} | ${fmt(f[kind].p99, 0)} | ${f[kind].runs.map((r) => r.toFixed(0)).join(" / ")} | ${fmt(rate(kind, "batch")?.opsPerS, 0)} | ${fmt(rate(kind, "batch")?.serverCpuMsPerOp, 3)} | ${fmt(rate(kind, "readHit")?.opsPerS, 0)} | ${fmt(rate(kind, "readHit")?.serverCpuMsPerOp, 3)} |`);
    }
    line(
      `journal ÷ snapshot: flows/s ${fmt(f.journal.flowsPerS / f.snapshot.flowsPerS, 2)}, store CPU per batch ${fmt((rate("journal", "batch")?.serverCpuMsPerOp ?? NaN) / (rate("snapshot", "batch")?.serverCpuMsPerOp ?? NaN), 2)}, ` +
        `per read ${fmt((rate("journal", "readHit")?.serverCpuMsPerOp ?? NaN) / (rate("snapshot", "readHit")?.serverCpuMsPerOp ?? NaN), 2)}`,
    );
  }
  line();
  line(`Store alone (local Cosmos-protocol server, real @azure/cosmos client in another process, 16 concurrent; batch = ${shape.opsPerBatch} creates of ${shape.docBytes} B, query returns ${shape.docsPerQuery} docs):`);
  line("| operation | ops/s (wall, noisy) | server CPU ms/op |");
  line("|---|---:|---:|");
  for (const s of store) line(`| ${s.op} | ${fmt(s.opsPerS, 0)} | ${fmt(s.serverCpuMsPerOp, 3)} |`);
  for (const f of flows) {
    const c = f.perFlowCounts;
    line();
    line(`### ${f.flow} flow`);
    line(
      `Per flow (counted over ${f.counted.flows} flows): point reads ${fmt(c.ops.readHit + c.ops.readMiss)} (misses ${fmt(c.ops.readMiss)}), ` +
        `batches ${fmt(c.ops.batch)} (${fmt(c.batchOperations)} ops), failed batches ${fmt(c.ops.batchFailed)}, single writes ${fmt(c.ops.write)}, queries ${fmt(c.ops.query)}; ` +
        `events published ${fmt(f.usage.eventsPublished)} in ${fmt(f.counted.publishRequests / f.counted.flows)} requests, deliveries ${fmt(f.usage.deliveryAttempts)}, executions ${fmt(f.usage.executions)}.`,
    );
    line(
      `Store server CPU per flow ${fmt(f.storeCpuMsPerFlow, 2)} ms → store-bound limit **${fmt(f.storeBoundFlowsPerS, 0)} flows/s** ` +
        `(from wall-clock rates instead: ${fmt(f.storeMsPerFlow, 1)} ms, ${fmt(1000 / f.storeMsPerFlow, 0)} flows/s).`,
    );
    line();
    line("| host(s) | concurrency | flows/s | ÷ store-bound | CPU-bound flows/s | ÷ CPU-bound | p50 ms | p95 ms | p99 ms | host CPU ms/flow | bench process CPU ms/flow | store CPU ÷ host CPU | errors | load | runs (flows/s) |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const [mode, steps] of Object.entries(f.steps)) {
      for (const s of steps) {
        line(
          `| ${mode} | ${s.concurrency} | ${fmt(s.flowsPerS)} | ${fmt(s.flowsPerS / f.storeBoundFlowsPerS, 2)} | ${fmt(s.cpuBoundFlowsPerS, 0)} | ${fmt(s.cpuBoundFlowsPerS === undefined ? undefined : s.flowsPerS / s.cpuBoundFlowsPerS, 2)} | ${fmt(s.p50, 0)} | ${fmt(s.p95, 0)} | ${fmt(s.p99, 0)} | ${fmt(s.hostCpuMsPerFlow)} | ${fmt(s.benchCpuMsPerFlow)} | ${fmt(s.hostCpuMsPerFlow === undefined ? undefined : f.storeCpuMsPerFlow / s.hostCpuMsPerFlow, 2)} | ${s.errors} | ${fmt(s.load)} | ${s.runs.map((r) => r.toFixed(0)).join(" / ")} |`,
        );
      }
    }
    const single = f.steps["one host"];
    const split = f.steps["host per service"];
    const fastest = single && [...single].sort((a, b) => b.flowsPerS - a.flowsPerS)[0];
    if (fastest?.cpuBoundFlowsPerS !== undefined) {
      line();
      line(
        `One host at concurrency ${fastest.concurrency}: ${fmt(fastest.hostCpuMsPerFlow)} ms host CPU + ${fmt(fastest.benchCpuMsPerFlow)} ms in the bench's process ` +
          `(store, emulator, load) per flow, ${fmt(fastest.busiestThread?.msPerFlow)} ms of it on the busiest main thread (the ${fastest.busiestThread?.of ?? "–"}'s) → ` +
          `${cpus().length} cores and that thread allow at most ${fmt(fastest.cpuBoundFlowsPerS, 0)} flows/s, ` +
          `**${fmt(fastest.cpuBoundFlowsPerS / f.storeBoundFlowsPerS, 2)} of the store-bound limit**: on this machine the ratio to the store cannot pass that.`,
      );
    }
    if (single && split) {
      line();
      line(
        `host per service ÷ one host, flows/s at concurrency ${single.map((s) => s.concurrency).join("/")}: ` +
          single.map((s, i) => fmt((split[i]?.flowsPerS ?? NaN) / s.flowsPerS, 2)).join(" / "),
      );
    }
    const k = f.cost;
    const ru = sumRu(f.usage.ru);
    line();
    line(
      `Azure cost per million ${f.flow} flows: **${usd(k.totalLow)}–${usd(k.totalHigh)}** = Event Grid ${usd(k.eventGrid)} + executions ${usd(k.executions)} + ` +
        `GB-s ${usd(k.gbSecondsLow)}–${usd(k.gbSecondsHigh)} + Cosmos ${usd(k.cosmos)} (${fmt(ru, 0)} RU/flow: ` +
        Object.entries(f.usage.ru)
          .filter(([, v]) => v > 0)
          .map(([cat, v]) => `${cat} ${fmt(v, 0)}`)
          .join(", ") +
        ")",
    );
    const p = f.previous;
    line(
      `Previous layout (every path indexed), same operations: ${usd(p.cost.totalLow)}–${usd(p.cost.totalHigh)}, Cosmos ${usd(p.cost.cosmos)} (${fmt(sumRu(p.ru), 0)} RU/flow: ` +
        (["inbox", "outbox", "state", "journal"] as const).map((cat) => `${cat} ${fmt(p.ru[cat], 0)}`).join(", ") +
        ")",
    );
  }
  line();
  line(`### This commit vs the previous layout (every path indexed), same operations (RU model: scripts/bench/cost.ts)`);
  line("| flow | RU/flow | RU/flow before | write RU ÷ before | $ per million | $ per million before |");
  line("|---|---:|---:|---:|---|---|");
  for (const f of flows) {
    const writes = (ru: Record<RuCategory, number>) => ru.inbox + ru.outbox + ru.state + ru.journal;
    line(
      `| ${f.flow} | ${fmt(sumRu(f.usage.ru), 0)} | ${fmt(sumRu(f.previous.ru), 0)} | ${fmt(writes(f.usage.ru) / writes(f.previous.ru), 2)} | ` +
        `${usd(f.cost.totalLow)}–${usd(f.cost.totalHigh)} | ${usd(f.previous.cost.totalLow)}–${usd(f.previous.cost.totalHigh)} |`,
    );
  }
  line();
  line(renderSummaryLine(capacity));
  if (flowReads.length > 0) {
    line();
    line("### Flow reads: `GET /api/flows/{correlationId}`, one host, over the flows just run");
    line("| flow | read | flows | readers | reads/s | p50 ms | p95 ms | p99 ms | errors | queries/read | point reads/read | journal documents |");
    line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    const kinds: Record<FlowReads["kind"], string> = { first: "first (partition query)", again: "again, unchanged (partition query)" };
    for (const r of flowReads) {
      line(`| ${r.flow} | ${kinds[r.kind]} | ${r.flows} | ${r.readers} | ${fmt(r.readsPerS, 0)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${fmt(r.p99, 0)} | ${r.errors} | ${fmt(r.queriesPerRead, 1)} | ${fmt(r.pointReadsPerRead, 1)} | ${r.journalDocuments ?? "–"} |`);
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
};

const argsOrExit = (): BenchOptions => {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
};

main(argsOrExit()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
