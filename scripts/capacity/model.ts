import { CostPerMillion, PRICES, costPerMillionFlows } from "../bench/cost";
import { TopicLayout, deployedTopicLayout, singleShardLayout, topicOfShard } from "../../src/events/topicShards";
import { listSubscriptions } from "../../src/topology";
import { CAPACITY_PRICES, CORES_PER_INSTANCE, EVENT_GRID_CHUNK_BYTES, HOURS_PER_MONTH, INSTANCE_MEMORY_MB, LIMITS, MIN_CONTAINER_RU_PER_SECOND } from "./limits";

/**
 * The capacity model: what one flow of each kind was counted doing (scripts/capacity/count.ts), times the target flows
 * per second, against Azure's published limits (limits.ts). Pure: no clock, no I/O, so a test can feed it counts.
 */

/** How a partition key relates to flows: one flow's own entity (an order id), or the same key for every flow. */
export type KeyKind = "entity" | "constant";

export interface KeyCounts {
  readonly container: string;
  /** `{orderId}` for a key that is one of the flow's ids, the literal key for a constant one. */
  readonly pattern: string;
  readonly kind: KeyKind;
  /** Distinct keys of this pattern one flow touches. */
  readonly keysPerFlow: number;
  /** Per flow, over every key of the pattern. */
  readonly ru: number;
  readonly documents: number;
  readonly bytes: number;
}

/** What one flow of a kind did, on average over the flows counted. */
export interface FlowCounts {
  /** How many flows the averages are over. */
  readonly flows: number;
  /** By topic: events published and their bytes as sent. */
  readonly publishes: Readonly<Record<string, { readonly events: number; readonly bytes: number }>>;
  /** By Event Grid subscription: events delivered (attempts), its topic and the Function App it delivers to. */
  readonly deliveries: Readonly<Record<string, { readonly topic: string; readonly app: string; readonly events: number }>>;
  /** By Function App: executions (deliveries and the API call that starts the flow) and their summed duration. */
  readonly executions: Readonly<Record<string, { readonly executions: number; readonly seconds: number }>>;
  /** By Cosmos container: RU (the bench's RU model), documents written and their bytes. */
  readonly containers: Readonly<Record<string, { readonly ru: number; readonly documents: number; readonly bytes: number }>>;
  readonly keys: readonly KeyCounts[];
  /** RU by the bench's categories, for its cost per million flows. */
  readonly ru: CostInput["ru"];
  /**
   * CPU the Functions host(s) spent per flow (/proc, Linux only). Durations measured on a shared local host include
   * queueing, so instances from them are an upper bound; CPU ÷ a core per instance is the lower bound.
   */
  readonly hostCpuSeconds?: number;
}

type CostInput = Parameters<typeof costPerMillionFlows>[0];

/** Target flows per second, by flow name. */
export type Target = Readonly<Record<string, number>>;

export type ComponentKind =
  | "topic-events"
  | "topic-bytes"
  | "topic-subscriptions"
  | "subscription"
  | "container"
  | "partition-key"
  | "partition-key-storage"
  | "function-app"
  | "flex-regional-quota";

export interface Component {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly demand: number;
  readonly limit: number;
  readonly unit: string;
  readonly utilization: number;
  readonly source: string;
  /** False when demand does not grow with the flow rate: a per-entity key carries one flow's load whatever the rate. */
  readonly scales: boolean;
  /** A constant partition key: no throughput setting raises its 10,000 RU/s and 20 GB. */
  readonly hardCeiling: boolean;
  readonly detail: string;
}

export interface Bottleneck {
  readonly name: string;
  /** Flows per second of the target's mix (all flows together) at which this component reaches utilization 1.0. */
  readonly maxFlowsPerSecond: number;
  /** The same point as a factor of the target (0.5: half the target saturates it). */
  readonly scale: number;
  /** That rate by flow. */
  readonly byFlow: Readonly<Record<string, number>>;
}

export interface MonthlyCost {
  readonly eventGrid: number;
  readonly functionsExecutions: number;
  readonly functionsGbSeconds: number;
  readonly cosmosThroughput: number;
  /** The documents one month writes, stored for a month (they are never expired today). */
  readonly cosmosStorage: number;
  readonly total: number;
}

/** One app's Flex Consumption scale, as infra/main.bicep's `appScale` takes it. */
export interface AppScale {
  readonly instanceMemoryMB: number;
  readonly maximumInstanceCount: number;
}

export interface CapacityReport {
  readonly target: Target;
  readonly components: readonly Component[];
  readonly bottleneck: Bottleneck | undefined;
  readonly ruPerFlow: Readonly<Record<string, number>>;
  /** RU/s to provision per container at the target (manual throughput, at least 400), and their sum. */
  readonly provisionRuPerSecond: Readonly<Record<string, number>>;
  readonly totalProvisionRuPerSecond: number;
  /** Instances of all apps together for the executions in flight (measured durations) and for the hosts' CPU. */
  readonly instances: { readonly atMeasuredDuration: number; readonly cpuBound: number | undefined };
  /** Function executions per second at the target, all apps together. */
  readonly executionsPerSecond: number;
  /**
   * infra/main.bicep's `appScale` for the apps the deployment's defaults cannot carry at the target, each with 0.7
   * headroom, and the memory every app at its maximum then takes (what the template checks against the quota).
   */
  readonly appScale: { readonly byApp: Readonly<Record<string, AppScale>>; readonly memoryAtFullScaleMb: number };
  /** Containers whose demand passes what a serverless container serves (infra deploys serverless today). */
  readonly overServerless: readonly string[];
  readonly monthlyCostUsd: number;
  readonly monthlyCost: MonthlyCost;
  /** Per million flows of each kind at serverless list prices (the bench's model, scripts/bench/cost.ts). */
  readonly perMillionFlows: Readonly<Record<string, CostPerMillion>>;
  /**
   * Per million flows of each kind at a scale that keeps resources busy, as the monthly cost above prices them:
   * Cosmos provisioned throughput used to the full, instances billed while busy (their concurrent executions once).
   */
  readonly perMillionFlowsAtScale: Readonly<Record<string, number>>;
}

const SECONDS_PER_DAY = 86_400;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3_600;
const MB = 1024 * 1024;
const GB = 1024 * MB;

/** Σ over the target's flows of rate × what one flow of that kind does. */
const sumOver = (target: Target, counts: Readonly<Record<string, FlowCounts>>, per: (c: FlowCounts) => number): number =>
  Object.entries(target).reduce((sum, [flow, rate]) => {
    const c = counts[flow];
    return c && rate > 0 ? sum + rate * per(c) : sum;
  }, 0);

const namesOf = <T>(counts: Readonly<Record<string, FlowCounts>>, pick: (c: FlowCounts) => Readonly<Record<string, T>>): string[] =>
  [...new Set(Object.values(counts).flatMap((c) => Object.keys(pick(c))))].sort();

const component = (c: Omit<Component, "utilization" | "scales" | "hardCeiling"> & Partial<Pick<Component, "scales" | "hardCeiling">>): Component => ({
  scales: true,
  hardCeiling: false,
  ...c,
  utilization: c.limit > 0 ? c.demand / c.limit : Infinity,
});

/**
 * `layout`: how many Event Grid topics each topic is deployed as (src/events/topicShards.ts). Flows hash uniformly over
 * a topic's shards (FNV-1a of random ids), so each shard takes 1/n of the topic's events and each copy of a
 * subscription 1/n of its deliveries; the counting run's publishes and deliveries are summed per topic whatever shards
 * it ran with.
 */
export interface ModelOptions {
  /** How many Event Grid topics each topic is deployed as (the manifest's, by default). */
  readonly layout?: TopicLayout;
  /** The subscription's Flex Consumption quota in the region, MB: the published default unless an increase was granted. */
  readonly flexRegionalQuotaMb?: number;
}

export const capacityModel = (counts: Readonly<Record<string, FlowCounts>>, target: Target, options: ModelOptions = {}): CapacityReport => {
  const layout = options.layout ?? deployedTopicLayout;
  const quotaMb = options.flexRegionalQuotaMb ?? LIMITS.flexRegionalMemoryMb.value;
  const missing = Object.keys(target).filter((f) => (target[f] ?? 0) > 0 && !counts[f]);
  if (missing.length > 0) throw new Error(`no counts for flow(s) ${missing.join(", ")}`);
  const components: Component[] = [];
  const at = (per: (c: FlowCounts) => number) => sumOver(target, counts, per);

  const shardsOfTopic = (shardName: string): number => {
    const topic = topicOfShard(shardName);
    return topic ? layout[topic] : 1;
  };
  const topicOf = (shardName: string): string => topicOfShard(shardName) ?? shardName;
  const perShard = (shards: number) => (shards > 1 ? `each of ${shards} shards: ` : "");
  // Billed per operation, whatever shard it lands on: the rows show one shard, the bill counts them all.
  let eventGridOpsPerSecond = 0;

  for (const topic of [...new Set(namesOf(counts, (c) => c.publishes).map(topicOf))]) {
    const shards = shardsOfTopic(topic);
    const publishesOf = (c: FlowCounts) => Object.entries(c.publishes).filter(([name]) => topicOf(name) === topic).map(([, p]) => p);
    const events = at((c) =>
      // Each event counts once per 64 KB it takes.
      publishesOf(c).reduce((a, p) => a + (p.events > 0 ? p.events * Math.ceil(p.bytes / p.events / EVENT_GRID_CHUNK_BYTES) : 0), 0),
    ) / shards;
    const bytes = at((c) => publishesOf(c).reduce((a, p) => a + p.bytes, 0)) / shards;
    eventGridOpsPerSecond += events * shards;
    components.push(component({ name: `topic ${topic}: publishes`, kind: "topic-events", demand: events, ...limitOf("topicEventsPerSecond"), detail: `${perShard(shards)}events in, per 64 KB` }));
    components.push(component({ name: `topic ${topic}: ingress`, kind: "topic-bytes", demand: bytes / MB, ...limitOf("topicMegabytesPerSecond"), detail: `${perShard(shards)}${fmt(events > 0 ? bytes / events : 0)} B per event` }));
  }

  // Every shard has every subscription of its topic: as many per Event Grid topic as the topic has.
  const logical = listSubscriptions(singleShardLayout);
  for (const topic of Object.keys(layout) as (keyof TopicLayout)[]) {
    const n = logical.filter((s) => s.topic === topic).length;
    if (n > 0) components.push(component({ name: `topic ${topic}: subscriptions`, kind: "topic-subscriptions", demand: n, ...limitOf("subscriptionsPerTopic"), scales: false, detail: `${perShard(layout[topic])}one per reaction listening on it` }));
  }

  // A subscription's copies on the shards of its topic are one row: the counted name without its shard.
  const subscriptionOf = (name: string, shard: string): string => (name.startsWith(`${shard}-`) ? `${topicOf(shard)}-${name.slice(shard.length + 1)}` : name);
  const deliveriesOf = (c: FlowCounts) => Object.entries(c.deliveries).map(([name, d]) => ({ name: subscriptionOf(name, d.topic), ...d }));
  const allDeliveries = Object.values(counts).flatMap(deliveriesOf);
  for (const subscription of [...new Set(allDeliveries.map((d) => d.name))].sort()) {
    const first = allDeliveries.find((d) => d.name === subscription)!;
    const shards = shardsOfTopic(first.topic);
    const events = at((c) => deliveriesOf(c).filter((d) => d.name === subscription).reduce((a, d) => a + d.events, 0)) / shards;
    eventGridOpsPerSecond += events * shards;
    components.push(component({ name: `subscription ${subscription}`, kind: "subscription", demand: events, ...limitOf("subscriptionEventsPerSecond"), detail: `${perShard(shards)}→ ${first.app} (topic ${topicOf(first.topic)})` }));
  }

  const containerRu: Record<string, number> = {};
  for (const container of namesOf(counts, (c) => c.containers)) {
    const ru = at((c) => c.containers[container]?.ru ?? 0);
    containerRu[container] = ru;
    components.push(component({ name: `container ${container}`, kind: "container", demand: ru, ...limitOf("containerRuPerSecond"), detail: "provisioned throughput" }));
  }

  components.push(...keyComponents(counts, target));

  let instancesTotal = 0;
  const instancesByApp: Record<string, number> = {};
  let executionsPerSecond = 0;
  let busySecondsPerSecond = 0;
  for (const app of namesOf(counts, (c) => c.executions)) {
    const executions = at((c) => c.executions[app]?.executions ?? 0);
    const busy = at((c) => c.executions[app]?.seconds ?? 0);
    // Little's law: executions in flight = rate × mean duration; an instance runs `concurrency` of them at once.
    const instances = busy / LIMITS.flexPerInstanceConcurrency.value;
    instancesTotal += instances;
    instancesByApp[app] = instances;
    executionsPerSecond += executions;
    busySecondsPerSecond += busy;
    const meanMs = executions > 0 ? (busy / executions) * 1000 : 0;
    components.push(component({
      name: `function app ${app}`,
      kind: "function-app",
      demand: instances,
      ...limitOf("flexInstancesPerApp"),
      detail: `${fmt(executions)} executions/s × ${fmt(meanMs)} ms ÷ ${LIMITS.flexPerInstanceConcurrency.value} per instance`,
    }));
  }
  const cpuCores = Object.values(counts).every((c) => c.hostCpuSeconds !== undefined) ? at((c) => c.hostCpuSeconds ?? 0) : undefined;
  const cpuBoundInstances = cpuCores === undefined ? undefined : cpuCores / CORES_PER_INSTANCE;
  // The platform needs both enough instances for the executions in flight and enough cores for their CPU: the larger.
  const quotaInstances = Math.max(instancesTotal, cpuBoundInstances ?? 0);
  const byCpu = cpuBoundInstances !== undefined && cpuBoundInstances > instancesTotal;
  components.push(component({
    name: "Flex regional quota (all apps)",
    kind: "flex-regional-quota",
    demand: quotaInstances * INSTANCE_MEMORY_MB,
    limit: quotaMb,
    unit: LIMITS.flexRegionalMemoryMb.unit,
    source: LIMITS.flexRegionalMemoryMb.source + (quotaMb === LIMITS.flexRegionalMemoryMb.value ? "" : ` (default ${fmt(LIMITS.flexRegionalMemoryMb.value)} MB; ${fmt(quotaMb)} given with --flex-quota-mb)`),
    detail:
      `${fmt(quotaInstances)} instances × ${INSTANCE_MEMORY_MB} MB, ` +
      (cpuBoundInstances === undefined
        ? "for the executions in flight"
        : byCpu
          ? `by the hosts' CPU (${fmt(cpuBoundInstances)} cores; ${fmt(instancesTotal)} instances would hold the executions in flight)`
          : `for the executions in flight (the hosts' CPU alone needs ${fmt(cpuBoundInstances)})`),
  }));

  // The CPU is measured for all apps together: each app is given its share of it by its share of the busy time.
  const cpuFactor = byCpu ? cpuBoundInstances / instancesTotal : 1;
  const appScale = appScaleFor(Object.fromEntries(Object.entries(instancesByApp).map(([app, n]) => [app, n * cpuFactor])));

  const provisionRuPerSecond = Object.fromEntries(
    Object.entries(containerRu).map(([c, ru]) => [c, Math.max(MIN_CONTAINER_RU_PER_SECOND, Math.ceil(ru / 100) * 100)]),
  );
  const totalProvisionRuPerSecond = Object.values(provisionRuPerSecond).reduce((a, b) => a + b, 0);
  const storedBytesPerSecond = at((c) => Object.values(c.containers).reduce((a, x) => a + x.bytes, 0));
  const cost = {
    eventGrid: (eventGridOpsPerSecond * SECONDS_PER_MONTH * PRICES.eventGridPerMillionOperations) / 1e6,
    functionsExecutions: (executionsPerSecond * SECONDS_PER_MONTH * PRICES.functionsPerMillionExecutions) / 1e6,
    // Busy instances: an instance is billed while it executes anything, its concurrent executions once.
    functionsGbSeconds: (busySecondsPerSecond / LIMITS.flexPerInstanceConcurrency.value) * PRICES.functionsInstanceMemoryGb * SECONDS_PER_MONTH * PRICES.functionsPerGbSecond,
    cosmosThroughput: (totalProvisionRuPerSecond / 100) * CAPACITY_PRICES.cosmosPer100RuPerSecondHour * HOURS_PER_MONTH,
    cosmosStorage: ((storedBytesPerSecond * SECONDS_PER_MONTH) / GB) * CAPACITY_PRICES.cosmosStoragePerGbMonth,
  };
  const monthlyCost: MonthlyCost = { ...cost, total: Object.values(cost).reduce((a, b) => a + b, 0) };

  return {
    target,
    components,
    bottleneck: bottleneckOf(components, target),
    ruPerFlow: Object.fromEntries(Object.entries(counts).map(([f, c]) => [f, ruOfFlow(c)])),
    provisionRuPerSecond,
    totalProvisionRuPerSecond,
    instances: { atMeasuredDuration: instancesTotal, cpuBound: cpuBoundInstances },
    executionsPerSecond,
    appScale,
    overServerless: Object.entries(containerRu).filter(([, ru]) => ru > LIMITS.serverlessContainerRuPerSecond.value).map(([c]) => c),
    monthlyCostUsd: monthlyCost.total,
    monthlyCost,
    perMillionFlows: Object.fromEntries(Object.entries(counts).map(([f, c]) => [f, costPerMillionFlows(usageOf(c))])),
    perMillionFlowsAtScale: Object.fromEntries(Object.entries(counts).map(([f, c]) => [f, costPerMillionFlowsAtScale(c)])),
  };
};

/**
 * A constant key takes every flow's load on that key: its RU/s and its growth grow with the rate. A per-entity key
 * (an order id) takes one flow's load whatever the rate: bounded by the RU one flow spends on it, as if within a
 * second (a flow lasts longer, so less), and the bytes one flow stores under it.
 */
const keyComponents = (counts: Readonly<Record<string, FlowCounts>>, target: Target): Component[] => {
  const out: Component[] = [];
  const groups = new Map<string, { container: string; pattern: string; kind: KeyKind }>();
  for (const c of Object.values(counts)) for (const k of c.keys) groups.set(`${k.kind}\u0000${k.container}\u0000${k.pattern}`, k);
  for (const { container, pattern, kind } of [...groups.values()].sort((a, b) => `${a.container}${a.pattern}`.localeCompare(`${b.container}${b.pattern}`))) {
    const keysOf = (c: FlowCounts) => c.keys.filter((k) => k.kind === kind && k.container === container && k.pattern === pattern);
    const label = kind === "constant" ? `"${pattern}"` : pattern;
    if (kind === "constant") {
      const ru = sumOver(target, counts, (c) => keysOf(c).reduce((a, k) => a + k.ru, 0));
      const bytesPerDay = sumOver(target, counts, (c) => keysOf(c).reduce((a, k) => a + k.bytes, 0)) * SECONDS_PER_DAY;
      const fillDays = bytesPerDay > 0 ? (LIMITS.partitionKeyStorageGb.value * GB) / bytesPerDay : Infinity;
      out.push(component({ name: `key ${container}/${label}`, kind: "partition-key", demand: ru, ...limitOf("partitionKeyRuPerSecond"), hardCeiling: true, detail: "constant key: every flow's load on one logical partition" }));
      out.push(component({
        name: `key ${container}/${label}: storage`,
        kind: "partition-key-storage",
        demand: bytesPerDay / GB,
        ...limitOf("partitionKeyStorageGb"),
        unit: "GB/day",
        hardCeiling: true,
        detail: `constant key: full in ${fillDays < 1 ? `${fmt(fillDays * 24)} h` : `${fmt(fillDays)} days`} unless its documents expire`,
      }));
    } else {
      const perKey = (c: FlowCounts, f: (k: KeyCounts) => number) => Math.max(0, ...keysOf(c).map((k) => f(k) / Math.max(1, k.keysPerFlow)));
      const flowsOn = Object.values(counts).filter((c) => keysOf(c).length > 0);
      const ru = Math.max(0, ...flowsOn.map((c) => perKey(c, (k) => k.ru)));
      const bytes = Math.max(0, ...flowsOn.map((c) => perKey(c, (k) => k.bytes)));
      out.push(component({ name: `key ${container}/${label}`, kind: "partition-key", demand: ru, ...limitOf("partitionKeyRuPerSecond"), scales: false, detail: `per entity: one flow's RU on one key, whatever the rate; ${fmt(bytes / 1024)} KB stored per flow` }));
      out.push(component({ name: `key ${container}/${label}: storage`, kind: "partition-key-storage", demand: bytes / GB, ...limitOf("partitionKeyStorageGb"), unit: "GB per flow", scales: false, detail: "per entity: what one flow stores under one key" }));
    }
  }
  return out;
};

/**
 * What infra/main.bicep deploys unless told otherwise (`instanceMemoryMB`, `maximumInstanceCount`; test/infra checks the
 * template's defaults are these) and the platform's bounds on `maximumInstanceCount` (the plan's docs).
 */
export const DEPLOYED_APP_SCALE: AppScale = { instanceMemoryMB: 512, maximumInstanceCount: 40 };
const MIN_MAXIMUM_INSTANCE_COUNT = 40;
const MAX_MAXIMUM_INSTANCE_COUNT = 1000;

/**
 * The plan's default size, 2,048 MB (its docs: "should be used for most scenarios"), as many as `neededMb` takes; 512 MB
 * when the platform's minimum of 40 would make 2,048 MB instances claim more than needed (the quota check counts every
 * app at its maximum); 4,096 MB past 1,000 instances (at most 1,000 of them).
 */
const instanceSizeFor = (neededMb: number): AppScale => {
  const at = (size: number): AppScale => ({ instanceMemoryMB: size, maximumInstanceCount: Math.max(MIN_MAXIMUM_INSTANCE_COUNT, Math.ceil(neededMb / size)) });
  const standard = at(INSTANCE_MEMORY_MB);
  if (standard.maximumInstanceCount > MAX_MAXIMUM_INSTANCE_COUNT) {
    return { instanceMemoryMB: 4096, maximumInstanceCount: Math.min(MAX_MAXIMUM_INSTANCE_COUNT, at(4096).maximumInstanceCount) };
  }
  const small = at(512);
  return standard.maximumInstanceCount === MIN_MAXIMUM_INSTANCE_COUNT && small.maximumInstanceCount * 512 < MIN_MAXIMUM_INSTANCE_COUNT * INSTANCE_MEMORY_MB ? small : standard;
};

/**
 * `needs`: instances of INSTANCE_MEMORY_MB each app needs at the target. An app the defaults carry with 0.7 headroom
 * keeps them; any other gets what it needs ÷ 0.7 (instanceSizeFor).
 */
export const appScaleFor = (needs: Readonly<Record<string, number>>): CapacityReport["appScale"] => {
  const byApp: Record<string, AppScale> = {};
  let memoryAtFullScaleMb = 0;
  for (const [app, instances] of Object.entries(needs).sort(([a], [b]) => a.localeCompare(b))) {
    const neededMb = (instances * INSTANCE_MEMORY_MB) / HEADROOM;
    const deployedMb = DEPLOYED_APP_SCALE.instanceMemoryMB * DEPLOYED_APP_SCALE.maximumInstanceCount;
    if (neededMb <= deployedMb) {
      memoryAtFullScaleMb += deployedMb;
      continue;
    }
    const best = instanceSizeFor(neededMb);
    byApp[app] = best;
    memoryAtFullScaleMb += best.instanceMemoryMB * best.maximumInstanceCount;
  }
  return { byApp, memoryAtFullScaleMb };
};

/** The utilization every row keeps below: a 1.4× burst above the mean rate still fits. */
export const HEADROOM = 0.7;

/**
 * Every rate component grows linearly with the rate (the mix kept), so component i saturates at target × 1/uᵢ: the
 * first is the one with the highest utilization at the target. A component whose demand does not scale saturates at
 * any rate when its utilization is ≥ 1, else never. Storage is a time to fill, not a rate: it is reported, not ranked.
 */
export const bottleneckOf = (components: readonly Component[], target: Target): Bottleneck | undefined => {
  const rated = components.filter((c) => c.kind !== "partition-key-storage");
  const stuck = rated.find((c) => !c.scales && c.utilization >= 1);
  const total = Object.values(target).reduce((a, b) => a + b, 0);
  if (stuck) return { name: stuck.name, maxFlowsPerSecond: 0, scale: 0, byFlow: Object.fromEntries(Object.keys(target).map((f) => [f, 0])) };
  const first = rated.filter((c) => c.scales && c.utilization > 0).sort((a, b) => b.utilization - a.utilization)[0];
  if (!first) return undefined;
  const scale = 1 / first.utilization;
  return {
    name: first.name,
    maxFlowsPerSecond: total * scale,
    scale,
    byFlow: Object.fromEntries(Object.entries(target).map(([f, rate]) => [f, rate * scale])),
  };
};

/**
 * One flow's share of the monthly cost's terms, × a million: Event Grid operations and executions at their prices,
 * GB-s of busy instances, RU at the provisioned price of an RU/s held for a second (kept busy: the whole mix's
 * figure rounds each container up to 100 RU/s, which a million flows does not see), a month of the bytes it stores.
 */
export const costPerMillionFlowsAtScale = (c: FlowCounts): number => {
  const u = usageOf(c);
  const stored = Object.values(c.containers).reduce((a, x) => a + x.bytes, 0);
  const busyInstanceSeconds = u.executionSeconds / LIMITS.flexPerInstanceConcurrency.value;
  const perRuSecond = CAPACITY_PRICES.cosmosPer100RuPerSecondHour / 100 / 3600;
  const perFlow =
    ((u.eventsPublished + u.deliveryAttempts) * PRICES.eventGridPerMillionOperations) / 1e6 +
    (u.executions * PRICES.functionsPerMillionExecutions) / 1e6 +
    busyInstanceSeconds * PRICES.functionsInstanceMemoryGb * PRICES.functionsPerGbSecond +
    ruOfFlow(c) * perRuSecond +
    // A month of what it stores, as the monthly figure counts storage.
    (stored / GB) * CAPACITY_PRICES.cosmosStoragePerGbMonth;
  return perFlow * 1e6;
};

/** RU one flow spends, over every container. */
const ruOfFlow = (c: FlowCounts): number => Object.values(c.containers).reduce((a, x) => a + x.ru, 0);

const usageOf = (c: FlowCounts): CostInput => {
  const executions = Object.values(c.executions).reduce((a, x) => a + x.executions, 0);
  return {
    eventsPublished: Object.values(c.publishes).reduce((a, p) => a + p.events, 0),
    deliveryAttempts: Object.values(c.deliveries).reduce((a, d) => a + d.events, 0),
    executions,
    executionSeconds: Object.values(c.executions).reduce((a, x) => a + x.seconds, 0),
    // Busy instances share GB-s among their concurrent executions.
    saturatedInstanceSeconds: Object.values(c.executions).reduce((a, x) => a + x.seconds, 0) / LIMITS.flexPerInstanceConcurrency.value,
    ru: c.ru,
  };
};

const limitOf = (name: keyof typeof LIMITS) => ({ limit: LIMITS[name].value, unit: LIMITS[name].unit, source: LIMITS[name].source });

/** Three significant digits, thousands separated; small numbers keep theirs. */
export const fmt = (n: number): string => {
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "–";
  if (n === 0) return "0";
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return n.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });
};
