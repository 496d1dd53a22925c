import diagnosticsChannel from "node:diagnostics_channel";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { eventCatalog } from "../../src/events/catalog";
import { FlowName, flowNames, flows } from "../../src/flows";
import { listSubscriptions } from "../../src/topology";
import { LocalStack, startLocalStack } from "../../dev/stack";
import { childrenCpuBetween, childrenCpuMs } from "../bench/childProcess";
import { ruByCategory } from "../bench/cost";
import { FlowIds, onboardingFlow, orderFlow, seedStock, seedWallets, topUpFlow } from "../bench/flows";
import { median } from "../bench/stats";
import { ObservedOperation, StoreCounts, StoreObserver, addCounts, emptyCounts, observeCosmosServer } from "../bench/storeObserver";
import type { FlowCounts, KeyCounts } from "./model";

/**
 * The counting run behind `npm run capacity`: the local stack (as `npm start` runs it, one host for every service),
 * a bounded number of each flow at concurrency 4, and per flow what it cost — RU per container and per partition key
 * pattern (through the bench's RU model), documents and bytes, events published per topic with their bytes, deliveries
 * per Event Grid subscription, executions and their duration per Function App. Nothing is typed in.
 */
export interface CountOptions {
  /** Flows of each kind to count (after a few uncounted warm-up flows). */
  readonly flowsEach: number;
  readonly only?: readonly FlowName[];
  readonly concurrency?: number;
  /** Uncounted flows of each kind first (default WARM_UP_FLOWS). */
  readonly warmUp?: number;
  /** Progress, one line at a time. */
  readonly log?: (line: string) => void;
}

/** Runs on a stack already started (the integration test's), or on one it starts and stops itself. */
export const countFlowsOn = async (stack: LocalStack, options: CountOptions): Promise<Record<string, FlowCounts>> => {
  const log = options.log ?? (() => undefined);
  const observer = observeCosmosServer(Number(new URL(stack.cosmos.endpoint).port));
  const publishes = observePublishes(stack.eventGrid.port);
  const result: Record<string, FlowCounts> = {};
  try {
    for (const flow of options.only ?? flowNames) {
      const warmUp = options.warmUp ?? WARM_UP_FLOWS;
      const driver = await driverFor(flow, stack, observer, options.flowsEach + warmUp, log);
      try {
        if (warmUp > 0) log(`capacity: ${flow}: ${warmUp} flows to warm up (not counted)…`);
        await runFlows((w) => driver.run(w), 0, warmUp, () => undefined);
        log(`capacity: ${flow}: counting ${options.flowsEach} flows at concurrency ${options.concurrency ?? 4}…`);
        result[flow] = await countFlow(stack, observer, publishes, flow, driver, warmUp, options);
        log(`capacity: ${flow}: ${summary(result[flow])}`);
      } finally {
        driver.close();
      }
    }
    return result;
  } finally {
    publishes.close();
    observer.close();
  }
};

/** Starts the local stack on free ports, counts, stops it. */
export const countFlows = async (options: CountOptions & { readonly appRoot?: string }): Promise<Record<string, FlowCounts>> => {
  const log = options.log ?? (() => undefined);
  log("capacity: starting the local stack (Cosmos-protocol server, Event Grid emulator, one Functions host)…");
  const stack = await startLocalStack({
    appRoot: options.appRoot ?? path.resolve(__dirname, "../../.."),
    ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
    disableTimers: true,
    log: () => undefined,
  });
  try {
    return await countFlowsOn(stack, options);
  } finally {
    await stack.stop();
  }
};

/**
 * Module loads, connections, caches and, above all, V8's optimizing compiler: the first flows of a host run its code
 * unoptimized. Counting 30 flows of each after 4, the target needed 512 cores by the hosts' CPU and 391 instances for
 * the executions in flight; after 30, 393 and 321 (one run each, 2026-12-06). The model is of a steady state.
 */
export const WARM_UP_FLOWS = 30;

interface Driver {
  run(worker: number): Promise<number>;
  close(): void;
  /** The ids of every flow started so far, in start order. */
  readonly ids: FlowIds[];
}

const driverFor = async (flow: FlowName, stack: LocalStack, observer: StoreObserver, flowsToRun: number, log: (line: string) => void): Promise<Driver> => {
  const ids: FlowIds[] = [];
  const collect = (x: FlowIds) => ids.push(x);
  switch (flow) {
    case "order":
      await seedStock(stack);
      return { ...orderFlow(stack, observer, collect), ids };
    case "onboarding":
      return { ...onboardingFlow(stack, observer, collect), ids };
    case "topUp": {
      log(`capacity: topUp: signing up ${flowsToRun} users for their wallets (not counted)…`);
      // One wallet per top-up: a wallet's key is then one flow's entity, as it is for a user who tops up now and then.
      return { ...topUpFlow(stack, observer, await seedWallets(stack, observer, flowsToRun), collect), ids };
    }
    default: {
      const never: never = flow;
      throw new Error(`no driver for flow ${String(never)}`);
    }
  }
};

/** Flows `from`..`from + count - 1`, each passed its own number as the worker (its own SKU, customer, wallet). */
const runFlows = async (run: (worker: number) => Promise<number>, from: number, count: number, onDone: () => void, concurrency = 4) => {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < end) {
        const worker = next++;
        await run(worker);
        onDone();
      }
    }),
  );
};

/** A logical partition as the counting run saw it: its operations' counts and the documents it holds. */
interface KeyTally {
  readonly counts: StoreCounts;
  readonly documents: Map<string, number>;
  operations: number;
}

const countFlow = async (
  stack: LocalStack,
  observer: StoreObserver,
  publishes: PublishObserver,
  flow: FlowName,
  driver: Driver,
  /** Flows the driver ran before, uncounted: the counted ones are numbered after them. */
  warmedUp: number,
  options: CountOptions,
): Promise<FlowCounts> => {
  await stack.eventGrid.idle(60_000);
  const since = new Date().toISOString();
  const keys = new Map<string, KeyTally>();
  const byContainer = new Map<string, StoreCounts>();
  const tallyOf = (container: string, key: string | undefined): KeyTally => {
    const id = `${container}\u0000${key ?? ""}`;
    let tally = keys.get(id);
    if (!tally) keys.set(id, (tally = { counts: emptyCounts(), documents: new Map(), operations: 0 }));
    return tally;
  };
  const stop = observer.onOperation((op: ObservedOperation) => {
    let c = byContainer.get(op.container);
    if (!c) byContainer.set(op.container, (c = emptyCounts()));
    addCounts(c, op.counts);
    // A cross-partition query is charged to its container, not to a key.
    if (op.partitionKey === undefined) return;
    const tally = tallyOf(op.container, op.partitionKey);
    addCounts(tally.counts, op.counts);
    tally.operations += 1;
    for (const doc of op.written) tally.documents.set(doc.id, doc.bytes);
  });
  observer.setDetailed(true);
  const published = publishes.snapshot();
  const cpuBefore = childrenCpuMs();
  const firstCounted = driver.ids.length;
  let done = 0;
  const n = options.flowsEach;
  try {
    await runFlows((w) => driver.run(w), warmedUp, n, () => {
      done += 1;
      if (done % 10 === 0 && done < n) options.log?.(`capacity: ${flow}: ${done}/${n} flows`);
    }, options.concurrency);
    // Trailing reactions (the journal, notifications) belong to the flows too.
    await stack.eventGrid.idle(120_000);
  } finally {
    observer.setDetailed(false);
    stop();
  }
  const hostCpu = childrenCpuBetween(cpuBefore, childrenCpuMs());
  const perFlow = (x: number) => x / n;
  const ids = driver.ids.slice(firstCounted);

  const sent = publishes.since(published);
  const deliveries = stack.eventGrid.deliveries().filter((d) => d.time >= since);
  const subscriptions = new Map(listSubscriptions().map((s) => [s.name, s]));
  const deliveriesBySubscription: Record<string, { topic: string; app: string; events: number }> = {};
  const executions: Record<string, { executions: number; seconds: number }> = {};
  const execution = (app: string) => (executions[app] ??= { executions: 0, seconds: 0 });
  const durations: number[] = [];
  // Summed over the n flows first, divided once at the end: averages of whole counts stay whole.
  for (const d of deliveries) {
    const app = subscriptions.get(d.subscription)?.service ?? d.subscription;
    (deliveriesBySubscription[d.subscription] ??= { topic: d.topic, app, events: 0 }).events += 1;
    // The Functions extension invokes each event of a batch on its own; each is charged its share of the request.
    const ms = d.durationInMs / (d.batchSize ?? 1);
    durations.push(ms);
    execution(app).executions += 1;
    execution(app).seconds += ms / 1000;
  }
  // The API call that starts each flow runs on its publisher's app; its duration is not observable here, so it is
  // charged the median delivery's (as the bench does).
  const starter = eventCatalog[flows[flow].startedBy].publisher;
  execution(starter).executions += n;
  execution(starter).seconds += (n * median(durations.length ? durations : [0])) / 1000;
  for (const d of Object.values(deliveriesBySubscription)) d.events = perFlow(d.events);
  for (const e of Object.values(executions)) {
    e.executions = perFlow(e.executions);
    e.seconds = perFlow(e.seconds);
  }

  const containers: FlowCounts["containers"] = Object.fromEntries(
    [...byContainer].map(([container, c]) => {
      const stored = [...keys].filter(([k]) => k.startsWith(`${container}\u0000`)).flatMap(([, t]) => [...t.documents.values()]);
      return [container, { ru: perFlow(ruOf(c)), documents: perFlow(stored.length), bytes: perFlow(stored.reduce((a, b) => a + b, 0)) }];
    }),
  );
  const total = emptyCounts();
  for (const c of byContainer.values()) addCounts(total, c);
  return {
    flows: n,
    publishes: Object.fromEntries(Object.entries(sent).map(([topic, p]) => [topic, { events: perFlow(p.events), bytes: perFlow(p.bytes) }])),
    deliveries: deliveriesBySubscription,
    executions,
    containers,
    keys: classifyKeys(keys, ids, n),
    ...(hostCpu && hostCpu.exited.length === 0 ? { hostCpuSeconds: perFlow(hostCpu.ms / 1000) } : {}),
    ru: Object.fromEntries(Object.entries(ruByCategory(total)).map(([k, v]) => [k, perFlow(v)])) as FlowCounts["ru"],
  };
};

const ruOf = (c: StoreCounts) => Object.values(ruByCategory(c)).reduce((a, b) => a + b, 0);

/**
 * Names each logical partition the flows touched by what it is: a key equal to one of a flow's own ids (its order id,
 * user id, correlation id…) is that entity's (`{orderId}`); a key no flow's ids name, touched at least once per flow,
 * is a constant of the design (inventory's `stock`): every flow of the kind lands on it.
 */
export const classifyKeys = (
  keys: ReadonlyMap<string, { readonly counts: StoreCounts; readonly documents: ReadonlyMap<string, number>; readonly operations: number }>,
  ids: readonly FlowIds[],
  flowCount: number,
): KeyCounts[] => {
  const named = new Map<string, Set<string>>();
  for (const flowIds of ids) for (const [name, value] of Object.entries(flowIds)) (named.get(value) ?? named.set(value, new Set()).get(value)!).add(name);
  const patterns = new Map<string, { container: string; pattern: string; kind: KeyCounts["kind"]; keys: number; ru: number; documents: number; bytes: number }>();
  for (const [id, tally] of keys) {
    const [container, key] = id.split("\u0000") as [string, string];
    // A key is a flow's entity when it is one of the flow's ids, bare or under its kind (`order:<orderId>`, `stock:<sku>`).
    const names = named.get(key) ?? named.get(key.slice(key.indexOf(":") + 1));
    const kind: KeyCounts["kind"] = names ? "entity" : tally.operations >= flowCount ? "constant" : "entity";
    const pattern = names ? `{${[...names].sort().join("=")}}` : kind === "constant" ? key : "{other}";
    const p = patterns.get(`${container}\u0000${pattern}`) ?? { container, pattern, kind, keys: 0, ru: 0, documents: 0, bytes: 0 };
    p.keys += 1;
    p.ru += ruOf(tally.counts);
    p.documents += tally.documents.size;
    p.bytes += [...tally.documents.values()].reduce((a, b) => a + b, 0);
    patterns.set(`${container}\u0000${pattern}`, p);
  }
  return [...patterns.values()].map((p) => ({
    container: p.container,
    pattern: p.pattern,
    kind: p.kind,
    keysPerFlow: p.kind === "constant" ? 1 : p.keys / flowCount,
    ru: p.ru / flowCount,
    documents: p.documents / flowCount,
    bytes: p.bytes / flowCount,
  }));
};

interface PublishObserver {
  snapshot(): Record<string, { events: number; bytes: number }>;
  since(before: Record<string, { events: number; bytes: number }>): Record<string, { events: number; bytes: number }>;
  close(): void;
}

const PUBLISH_PATH = /^\/([^/?]+)\/api\/events/;

/**
 * Publishes as they reach the Event Grid emulator (in this process, like the store): the topic from the path, the
 * bytes from `content-length`, the events from the body once it has arrived (a CloudEvents batch is a JSON array).
 */
const observePublishes = (port: number): PublishObserver => {
  const totals: Record<string, { events: number; bytes: number }> = {};
  const mine = new WeakMap<Server, boolean>();
  const onStart = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    let ours = mine.get(server);
    if (ours === undefined) mine.set(server, (ours = (server.address() as AddressInfo | null)?.port === port));
    const match = ours && request.method === "POST" ? PUBLISH_PATH.exec(request.url ?? "") : null;
    if (!match) return;
    const topic = decodeURIComponent(match[1]!);
    const bytes = Number(request.headers["content-length"] ?? 0);
    const chunks: Buffer[] = [];
    // Listening to 'data' as well as the emulator does not take the body from it: both listeners see every chunk.
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      let events = 1;
      try {
        const parsed = JSON.parse(body.toString("utf8")) as unknown;
        events = Array.isArray(parsed) ? parsed.length : 1;
      } catch {
        return; // a malformed publish is refused by the emulator: not an event
      }
      const t = (totals[topic] ??= { events: 0, bytes: 0 });
      t.events += events;
      t.bytes += bytes || body.length;
    });
  };
  diagnosticsChannel.subscribe("http.server.request.start", onStart);
  const copy = () => Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, { ...v }]));
  return {
    snapshot: copy,
    since: (before) =>
      Object.fromEntries(
        Object.entries(totals)
          .map(([k, v]) => [k, { events: v.events - (before[k]?.events ?? 0), bytes: v.bytes - (before[k]?.bytes ?? 0) }] as const)
          .filter(([, v]) => v.events > 0),
      ),
    close: () => diagnosticsChannel.unsubscribe("http.server.request.start", onStart),
  };
};

const summary = (c: FlowCounts): string => {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ru = sum(Object.values(c.containers).map((x) => x.ru));
  const constant = c.keys.filter((k) => k.kind === "constant").map((k) => `${k.container}/"${k.pattern}"`);
  return (
    `${ru.toFixed(0)} RU, ${sum(Object.values(c.publishes).map((p) => p.events)).toFixed(1)} publishes, ` +
    `${sum(Object.values(c.deliveries).map((d) => d.events)).toFixed(1)} deliveries, ${sum(Object.values(c.executions).map((e) => e.executions)).toFixed(1)} executions per flow` +
    (constant.length ? `; constant partition key(s): ${constant.join(", ")}` : "")
  );
};
