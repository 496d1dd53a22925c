import { LIMITS } from "#scripts/capacity/limits";
import { FlowCounts, KeyCounts, appScaleFor, capacityModel, costPerMillionFlowsAtScale } from "#scripts/capacity/model";
import { singleShardLayout } from "#src/events/topicShards";
import { DEFAULT_TARGET, UsageError, parseCapacityArgs, parseTarget } from "#scripts/capacity/args";

const noRu = { inbox: 0, outbox: 0, state: 0, journal: 0, reads: 0, queries: 0, deletes: 0 };

const key = (k: Partial<KeyCounts> & Pick<KeyCounts, "container" | "pattern" | "kind" | "ru">): KeyCounts => ({ keysPerFlow: 1, documents: 1, bytes: 1000, ...k });

/** One order flow as the counting run reports it, trimmed to what the tests need. */
const order: FlowCounts = {
  flows: 30,
  publishes: { orders: { events: 5, bytes: 5 * 600 } },
  deliveries: {
    "orders-inventory-reserve": { topic: "orders", app: "inventory", events: 1 },
    "orders-journal-record": { topic: "orders", app: "journal", events: 5 },
  },
  executions: { orders: { executions: 2, seconds: 0.04 }, inventory: { executions: 1, seconds: 0.02 }, journal: { executions: 5, seconds: 0.05 } },
  containers: { orders: { ru: 30, documents: 3, bytes: 2500 }, inventory: { ru: 16, documents: 2, bytes: 1500 }, journal: { ru: 50, documents: 6, bytes: 5000 } },
  keys: [
    key({ container: "orders", pattern: "{orderId}", kind: "entity", ru: 30 }),
    key({ container: "inventory", pattern: "stock", kind: "constant", ru: 16, bytes: 1500 }),
    key({ container: "journal", pattern: "{correlationId}", kind: "entity", ru: 50 }),
  ],
  ru: { ...noRu, state: 96 },
};

const component = (report: ReturnType<typeof capacityModel>, name: string) => {
  const c = report.components.find((x) => x.name === name);
  if (!c) throw new Error(`no component ${name} in ${report.components.map((x) => x.name).join(", ")}`);
  return c;
};

describe("capacity model", () => {
  it("flags a constant partition key as a hard ceiling that takes the whole flow rate", () => {
    const report = capacityModel({ order }, { order: 1000 });
    const stock = component(report, 'key inventory/"stock"');
    expect(stock).toMatchObject({ kind: "partition-key", hardCeiling: true, scales: true, demand: 16_000, limit: LIMITS.partitionKeyRuPerSecond.value, unit: "RU/s" });
    expect(stock.utilization).toBeCloseTo(1.6);
    // Its storage grows with every flow and never plateaus: a fill time, not a rate.
    const storage = component(report, 'key inventory/"stock": storage');
    expect(storage).toMatchObject({ hardCeiling: true, unit: "GB/day" });
    expect(storage.demand).toBeCloseTo((1000 * 1500 * 86_400) / 1024 ** 3);
    // A per-order key carries one order's RU however many orders there are.
    const perOrder = component(report, "key orders/{orderId}");
    expect(perOrder).toMatchObject({ hardCeiling: false, scales: false, demand: 30 });
    expect(capacityModel({ order }, { order: 100_000 }).components.find((c) => c.name === "key orders/{orderId}")?.demand).toBe(30);
  });

  it("puts a topic over its limit when the flows publish more events per second than it takes", () => {
    const report = capacityModel({ order }, { order: 10_000 }, { layout: singleShardLayout });
    const topic = component(report, "topic orders: publishes");
    expect(topic).toMatchObject({ kind: "topic-events", demand: 50_000, limit: 5_000, unit: "events/s", source: LIMITS.topicEventsPerSecond.source });
    expect(topic.utilization).toBe(10);
    expect(component(report, "topic orders: ingress").demand).toBeCloseTo((10_000 * 3000) / 1024 ** 2);
    expect(component(capacityModel({ order }, { order: 500 }, { layout: singleShardLayout }), "topic orders: publishes").utilization).toBe(0.5);
  });

  it("spreads a sharded topic's events and each subscription's deliveries over its shards, and bills them all", () => {
    const single = capacityModel({ order }, { order: 10_000 }, { layout: singleShardLayout });
    const sharded = capacityModel({ order }, { order: 10_000 }, { layout: { ...singleShardLayout, orders: 16 } });
    expect(component(sharded, "topic orders: publishes")).toMatchObject({ demand: 50_000 / 16, detail: expect.stringContaining("each of 16 shards") });
    expect(component(sharded, "topic orders: publishes").utilization).toBeCloseTo(0.625);
    expect(component(sharded, "subscription orders-journal-record").demand).toBe(50_000 / 16);
    expect(component(single, "subscription orders-journal-record").utilization).toBe(10);
    // Shards change where events wait, not how many operations Event Grid bills.
    expect(sharded.monthlyCost.eventGrid).toBeCloseTo(single.monthlyCost.eventGrid);
    // A subscription counted on a shard of a sharded local run is the same row as on shard 0.
    const countedOnShard3: FlowCounts = { ...order, publishes: { "orders-3": { events: 5, bytes: 3000 } }, deliveries: { "orders-3-journal-record": { topic: "orders-3", app: "journal", events: 5 } } };
    expect(component(capacityModel({ order: countedOnShard3 }, { order: 10_000 }, { layout: { ...singleShardLayout, orders: 16 } }), "subscription orders-journal-record").demand).toBe(50_000 / 16);
  });

  it("checks each topic's subscriptions against the 500 a topic takes, the same on every shard", () => {
    const topicSubscriptions = capacityModel({ order }, { order: 10_000 }).components.filter((c) => c.kind === "topic-subscriptions");
    expect(topicSubscriptions.map((c) => c.name)).toEqual(["topic orders: subscriptions", "topic users: subscriptions", "topic wallet: subscriptions"]);
    for (const c of topicSubscriptions) expect(c).toMatchObject({ limit: 500, scales: false });
    expect(component(capacityModel({ order }, { order: 10_000 }), "topic orders: subscriptions").demand).toBe(
      component(capacityModel({ order }, { order: 10_000 }, { layout: singleShardLayout }), "topic orders: subscriptions").demand,
    );
  });

  it("names as bottleneck the component that reaches utilization 1.0 first, at the rate where it does", () => {
    const target = { order: 10_000 };
    const report = capacityModel({ order }, target);
    expect(report.bottleneck?.name).toBe('key inventory/"stock"');
    // 16 RU per order on one key of 10,000 RU/s: 625 orders/s.
    expect(report.bottleneck?.maxFlowsPerSecond).toBeCloseTo(625);
    const at = capacityModel({ order }, { order: report.bottleneck!.maxFlowsPerSecond });
    expect(component(at, 'key inventory/"stock"').utilization).toBeCloseTo(1);
    const rated = at.components.filter((c) => c.kind !== "partition-key-storage");
    expect(Math.max(...rated.map((c) => c.utilization))).toBeCloseTo(1);
  });

  it("scales a mix of flows together and says how much of each it carries at the bottleneck", () => {
    const onboarding: FlowCounts = { ...order, keys: [], publishes: { users: { events: 6, bytes: 6 * 500 } }, containers: { users: { ru: 35, documents: 3, bytes: 2000 } } };
    const report = capacityModel({ order, onboarding }, { order: 2000, onboarding: 1000 });
    // orders topic: 10,000 events/s (2.0); users topic 6,000 (1.2); stock 32,000 RU/s (3.2): stock first.
    expect(report.bottleneck?.name).toBe('key inventory/"stock"');
    expect(report.bottleneck?.scale).toBeCloseTo(1 / 3.2);
    expect(report.bottleneck?.byFlow.order).toBeCloseTo(625);
    expect(report.bottleneck?.byFlow.onboarding).toBeCloseTo(312.5);
    expect(report.bottleneck?.maxFlowsPerSecond).toBeCloseTo(937.5);
  });

  it("says a key that one flow alone overloads saturates at any rate", () => {
    const heavy: FlowCounts = { ...order, keys: [key({ container: "orders", pattern: "{orderId}", kind: "entity", ru: 12_000 })] };
    expect(capacityModel({ order: heavy }, { order: 1 }).bottleneck).toMatchObject({ name: "key orders/{orderId}", maxFlowsPerSecond: 0 });
  });

  it("provisions RU/s per container (at least 400) and prices a month at the target", () => {
    const report = capacityModel({ order }, { order: 100 });
    expect(report.provisionRuPerSecond).toEqual({ orders: 3000, inventory: 1600, journal: 5000 });
    expect(report.totalProvisionRuPerSecond).toBe(9600);
    expect(report.monthlyCost.cosmosThroughput).toBeCloseTo((9600 / 100) * 0.008 * 730);
    expect(report.monthlyCostUsd).toBeCloseTo(Object.entries(report.monthlyCost).filter(([k]) => k !== "total").reduce((a, [, v]) => a + v, 0));
    expect(report.ruPerFlow.order).toBe(96);
    expect(capacityModel({ order }, { order: 1 }).provisionRuPerSecond.inventory).toBe(400);
  });

  it("sizes the regional Flex quota by the larger need: executions in flight, or the hosts' CPU", () => {
    // 0.11 s busy per flow ÷ 16 per instance at 1,000 flows/s: 6.875 instances; 10 ms of CPU per flow: 10 cores.
    const inFlight = component(capacityModel({ order }, { order: 1000 }), "Flex regional quota (all apps)");
    expect(inFlight.demand).toBeCloseTo(6.875 * 2048);
    const cpuHeavy = component(capacityModel({ order: { ...order, hostCpuSeconds: 0.01 } }, { order: 1000 }), "Flex regional quota (all apps)");
    expect(cpuHeavy.demand).toBeCloseTo(10 * 2048);
    expect(cpuHeavy.detail).toMatch(/by the hosts' CPU \(10 cores/);
    const cpuLight = component(capacityModel({ order: { ...order, hostCpuSeconds: 0.001 } }, { order: 1000 }), "Flex regional quota (all apps)");
    expect(cpuLight.demand).toBeCloseTo(6.875 * 2048);
  });

  it("judges the regional Flex quota against the published default, or against a granted increase", () => {
    const at = (options?: { flexRegionalQuotaMb: number }) => component(capacityModel({ order }, { order: 100_000 }, options), "Flex regional quota (all apps)");
    expect(at()).toMatchObject({ limit: 512_000, utilization: (687.5 * 2048) / 512_000 });
    expect(at({ flexRegionalQuotaMb: 2_048_000 })).toMatchObject({ limit: 2_048_000, utilization: (687.5 * 2048) / 2_048_000 });
    expect(at({ flexRegionalQuotaMb: 2_048_000 }).source).toMatch(/default 512,000 MB; 2,048,000 given with --flex-quota-mb/);
  });

  it("scales up only the apps the deployment's defaults (40 instances of 512 MB) cannot carry with 0.7 headroom", () => {
    // 40 × 512 MB = 20,480 MB = 10 instances of 2,048 MB: 7 needed keeps the defaults (10 ≥ 7 ÷ 0.7), 8 does not.
    const scale = appScaleFor({ crm: 7, email: 8, orders: 89, journal: 900 });
    expect(scale.byApp).toEqual({
      // 8 ÷ 0.7 of 2,048 MB would be 12 instances, raised to the platform's minimum of 40: 46 of 512 MB claim less.
      email: { instanceMemoryMB: 512, maximumInstanceCount: 46 },
      orders: { instanceMemoryMB: 2048, maximumInstanceCount: 128 },
      // 1,286 of 2,048 MB is past the platform's 1,000 per app: 643 of 4,096 MB.
      journal: { instanceMemoryMB: 4096, maximumInstanceCount: 643 },
    });
    expect(scale.memoryAtFullScaleMb).toBe(20_480 + 46 * 512 + 128 * 2048 + 643 * 4096);
    // Past 1,000 of the largest size nothing carries it: the platform's bound, which the quota row then shows short.
    expect(appScaleFor({ journal: 3000 }).byApp.journal).toEqual({ instanceMemoryMB: 4096, maximumInstanceCount: 1000 });
  });

  it("gives each app its share of the hosts' CPU when the CPU needs more instances than the executions in flight", () => {
    // orders 0.04 s, inventory 0.02 s, journal 0.05 s busy per flow; 50 ms of CPU per flow: 0.05 / (0.11 / 16) ≈ 7.27×.
    // At 10,000 orders/s: orders has 25 instances in flight, × 7.27 for the CPU = 181.8, ÷ 0.7 → 260.
    const report = capacityModel({ order: { ...order, hostCpuSeconds: 0.05 } }, { order: 10_000 });
    expect(report.appScale.byApp.orders?.maximumInstanceCount).toBe(260);
    // By the executions in flight alone, 25 ÷ 0.7 → 36 of 2,048 MB, under the platform's minimum of 40: 143 of 512 MB.
    expect(capacityModel({ order }, { order: 10_000 }).appScale.byApp.orders).toEqual({ instanceMemoryMB: 512, maximumInstanceCount: 143 });
  });

  it("prices a million flows at scale as the monthly cost does, flow by flow", () => {
    // 11 Event Grid operations × $0.6, 8 executions × $0.4, 0.11 s ÷ 16 busy × 2 GB × $0.000026/GB-s, 96 RU held a
    // second at $0.008 per 100 RU/s-hour, a month of 9,000 bytes at $0.25/GB: per flow, × a million.
    const expected = 11 * 0.6 + 8 * 0.4 + (0.11 / 16) * 2 * 0.000026 * 1e6 + 96 * (0.008 / 100 / 3600) * 1e6 + (9000 / 1024 ** 3) * 0.25 * 1e6;
    expect(costPerMillionFlowsAtScale(order)).toBeCloseTo(expected, 6);
    // At a rate where rounding each container up to 100 RU/s no longer shows, the month divided by its flows agrees.
    const report = capacityModel({ order }, { order: 100_000 });
    const flowsPerMonth = 100_000 * 730 * 3600;
    expect(report.monthlyCostUsd / (flowsPerMonth / 1e6)).toBeCloseTo(report.perMillionFlowsAtScale.order!, 2);
  });

  it("refuses a target for a flow it has no counts for", () => {
    expect(() => capacityModel({ order }, { order: 1, topUp: 5 })).toThrow(/topUp/);
  });
});

describe("capacity flags", () => {
  it("reads the target, the JSON file and the count", () => {
    expect(parseCapacityArgs(["--flows-per-second", "order=10000,onboarding=1000,topUp=1000", "--json", "out.json"])).toEqual({
      target: { order: 10_000, onboarding: 1000, topUp: 1000 },
      json: "out.json",
      count: 30,
      flexQuotaMb: undefined,
    });
    expect(parseCapacityArgs([]).target).toEqual(parseTarget(DEFAULT_TARGET));
    expect(parseCapacityArgs(["--count", "5"]).count).toBe(5);
    expect(parseCapacityArgs(["--flex-quota-mb", "1024000"]).flexQuotaMb).toBe(1_024_000);
  });

  it.each([
    [["--flows-per-second", "orders=10"], /unknown flow "orders"/],
    [["--flows-per-second", "order=-1"], /not a number ≥ 0/],
    [["--flows-per-second", "order=ten"], /not a number/],
    [["--flows-per-second", "order=0"], /at least one flow/],
    [["--flows-per-second", "order=1,order=2"], /twice/],
    [["--count", "0"], /--count/],
    [["--count", "1.5"], /--count/],
    [["--flex-quota-mb", "lots"], /--flex-quota-mb: .* not "lots"/],
    [["--flex-quota-mb", "0"], /--flex-quota-mb/],
    [["--bogus"], /^unknown flag --bogus \(known: --flows-per-second --json --count --flex-quota-mb\)$/],
    [["stray"], /^unexpected argument 'stray'$/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCapacityArgs(argv)).toThrow(UsageError);
    expect(() => parseCapacityArgs(argv)).toThrow(message);
  });
});
