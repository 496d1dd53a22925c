import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { parse } from "yaml";
import { join } from "node:path";
import {
  PACKAGE_PATH,
  GenInfraError,
  InfraTopology,
  assertDeployable,
  buildInfraTopology,
  checkInfraFiles,
  findRepoRoot,
  generateInfraFiles,
  stableJson,
} from "#scripts/gen-infra";
import { LOCAL_RETRY_SCALE, emulatorSubscriptionsFor } from "#dev/emulatorSubscriptions";
import { listReactions, listSubscriptions, serviceNames, services, topicsPublishedBy } from "#src/topology";
import { topicNames, topicShardCounts } from "#src/events/catalog";
import { deployedTopicLayout, shardsOf } from "#src/events/topicShards";

const root = findRepoRoot(__dirname);

describe("gen-infra", () => {
  it("has written the committed infra/generated/topology.json and azure.yaml from the manifest as it is now", () => {
    // When this fails: run `npm run gen:infra` and commit the result.
    expect(checkInfraFiles(root).stale).toEqual([]);
  });

  it("lists one subscription per (reaction, topic), with the manifest's function name, event types and delivery policy", () => {
    const topology = buildInfraTopology();
    const expected = listSubscriptions().map((s) => ({
      deadLetter: s.delivery.deadLetter,
      functionName: s.functionName,
      includedEventTypes: s.includedEventTypes === undefined ? undefined : [...s.includedEventTypes].sort(),
      maxEventsPerBatch: s.maxEventsPerBatch,
      name: s.name,
      retryPolicy: { eventTimeToLiveInMinutes: s.delivery.eventTimeToLiveInMinutes, maxDeliveryAttempts: s.delivery.maxDeliveryAttempts },
      service: s.service,
      shard: s.shard,
      topic: s.topic,
    }));
    const actual = topology.subscriptions.map((s) => ({ ...s, includedEventTypes: s.includedEventTypes }));
    expect(actual).toEqual(expect.arrayContaining(expected));
    expect(actual).toHaveLength(expected.length);
    // "every event type" is the absence of a filter, never an empty list (which Event Grid would read differently).
    expect(topology.subscriptions.filter((s) => s.includedEventTypes !== undefined && s.includedEventTypes.length === 0)).toEqual([]);
  });

  it("gives the local Event Grid emulator the delivery policy the generated infra deploys, the time to live scaled like the retries", () => {
    // What the stack builds for the manifest (dev/stack.ts), beside what subscriptions.bicep reads (the committed JSON).
    const local = emulatorSubscriptionsFor(listSubscriptions(), () => "http://127.0.0.1:7071", { retryScale: LOCAL_RETRY_SCALE });
    const deployed: InfraTopology = JSON.parse(readFileSync(join(root, "infra/generated/topology.json"), "utf8"));
    const localPolicyOf = new Map(local.map((s) => [s.name, { maxDeliveryAttempts: s.maxDeliveryAttempts, eventTimeToLiveInMs: s.eventTimeToLiveInMs, deadLetter: s.deadLetter }]));
    expect(local).toHaveLength(deployed.subscriptions.length);
    for (const s of deployed.subscriptions) {
      expect([s.name, localPolicyOf.get(s.name)]).toEqual([s.name, {
        maxDeliveryAttempts: s.retryPolicy.maxDeliveryAttempts,
        // 24 h at 0.01 is 14.4 min: the ratio to the retry schedule, so the number of attempts, is Azure's.
        eventTimeToLiveInMs: Math.round(s.retryPolicy.eventTimeToLiveInMinutes * 60_000 * LOCAL_RETRY_SCALE),
        deadLetter: s.deadLetter,
      }]);
    }
  });

  it("gives the local emulator a reaction's own delivery policy, not the defaults, and a test's override of the attempts", () => {
    const [first] = listSubscriptions();
    const own = { ...first!, delivery: { maxDeliveryAttempts: 5, eventTimeToLiveInMinutes: 90, deadLetter: false } };
    const urlOf = () => "http://127.0.0.1:7071";
    expect(emulatorSubscriptionsFor([own], urlOf, { retryScale: 0.01 })).toEqual([
      expect.objectContaining({ name: own.name, maxDeliveryAttempts: 5, eventTimeToLiveInMs: 54_000, deadLetter: false }),
    ]);
    expect(emulatorSubscriptionsFor([own], urlOf, { retryScale: 0.01, maxDeliveryAttempts: 2 })).toEqual([expect.objectContaining({ maxDeliveryAttempts: 2 })]);
    // A service the stack does not host gets no subscription.
    expect(emulatorSubscriptionsFor([own], () => undefined, { retryScale: 0.01 })).toEqual([]);
  });

  it("lists each service with its container, the topics it publishes to and its reactions", () => {
    const topology = buildInfraTopology();
    expect(topology.services.map((s) => s.name)).toEqual([...serviceNames].sort());
    for (const s of topology.services) {
      const name = s.name as (typeof serviceNames)[number];
      expect(s.container).toBe(services[name].container);
      // Every shard of each topic it publishes to: one endpoint setting and one sender role each.
      expect(s.publishesTo).toEqual(topicsPublishedBy(name).flatMap((t) => shardsOf(t, deployedTopicLayout)).sort());
      expect(s.reactions).toEqual(listReactions().filter((r) => r.service === name).map((r) => r.functionName).sort());
    }
    expect(topology.topics).toEqual(topicNames.flatMap((t) => shardsOf(t, deployedTopicLayout)).sort());
  });

  it("deploys each topic as the catalog's shards, and every shard with every subscription of its topic", () => {
    const topology = buildInfraTopology();
    expect(topology.topicShards).toEqual(topicShardCounts);
    expect(topology.topics.filter((t) => t === "orders" || t.startsWith("orders-"))).toHaveLength(topicShardCounts.orders);
    for (const topic of topicNames) {
      const subscriptionsOn = (shard: string) =>
        topology.subscriptions.filter((s) => s.shard === shard).map((s) => `${s.functionName} ${(s.includedEventTypes ?? ["*"]).join(",")}`).sort();
      const [first, ...others] = shardsOf(topic, deployedTopicLayout);
      expect(subscriptionsOn(first!).length).toBeGreaterThan(0);
      for (const shard of others) expect(subscriptionsOn(shard)).toEqual(subscriptionsOn(first!));
      for (const s of topology.subscriptions.filter((x) => x.topic === topic)) expect(shardsOf(topic, deployedTopicLayout)).toContain(s.shard);
    }
  });

  it("writes byte-stable JSON: keys sorted at every level, two-space indent, trailing newline", () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
    const [first] = generateInfraFiles();
    expect(first?.content).toBe(generateInfraFiles()[0]?.content);
  });

  it("generates one azd service per Function App deploying the one package, built by a prepackage hook; its hooks exist", () => {
    const yaml = parse(generateInfraFiles().find((f) => f.path === "azure.yaml")?.content ?? "") as {
      services: Record<string, unknown>;
      hooks: Record<string, { posix: { run: string }; windows: { run: string } }>;
    };
    expect(Object.keys(yaml.services).sort()).toEqual([...serviceNames].sort());
    for (const s of serviceNames) {
      expect(yaml.services[s]).toEqual({ project: ".", language: "custom", dist: PACKAGE_PATH, host: "function", remoteBuild: false });
    }
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.package).toContain("dist/scripts/package.js");
    expect([yaml.hooks.prepackage?.posix.run, yaml.hooks.prepackage?.windows.run]).toEqual(["npm run package", "npm run package"]);
    const deployHooks = [yaml.hooks.postdeploy?.posix.run ?? "", yaml.hooks.postdeploy?.windows.run ?? ""];
    for (const hook of deployHooks) {
      expect(existsSync(join(root, hook))).toBe(true);
      expect(readFileSync(join(root, hook), "utf8")).toContain("subscriptions.bicep");
    }
  });

  describe("--check", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "gen-infra-"));
      for (const f of generateInfraFiles()) {
        mkdirSync(join(dir, f.path, ".."), { recursive: true });
        writeFileSync(join(dir, f.path), f.content);
      }
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("reports a topology.json that lost a subscription, naming what is missing", () => {
      const path = join(dir, "infra/generated/topology.json");
      const stale = JSON.parse(readFileSync(path, "utf8")) as { subscriptions: { name: string }[] };
      const removed = stale.subscriptions.splice(0, 1)[0]?.name;
      writeFileSync(path, stableJson(stale));
      const result = checkInfraFiles(dir).stale;
      expect(result.map((s) => s.path)).toEqual(["infra/generated/topology.json"]);
      expect(result[0]?.summary.join("\n")).toContain(`+       "name": "${removed}",`);
    });

    it("reports a missing file and a reordered one", () => {
      rmSync(join(dir, "azure.yaml"));
      const path = join(dir, "infra/generated/topology.json");
      const reordered = JSON.parse(readFileSync(path, "utf8")) as InfraTopology;
      const [a, b, ...rest] = reordered.subscriptions;
      writeFileSync(path, stableJson({ ...reordered, subscriptions: [b, a, ...rest] }));
      expect(checkInfraFiles(dir).stale).toEqual([
        { path: "infra/generated/topology.json", summary: ["(order or whitespace differs)"] },
        { path: "azure.yaml", summary: ["(missing)"] },
      ]);
    });
  });

  it("refuses a manifest Azure would reject, before anything is deployed", () => {
    const ok = buildInfraTopology();
    expect(() => assertDeployable(ok.services, ok.subscriptions)).not.toThrow();
    const bad = () =>
      assertDeployable(
        [
          { name: "Orders_Service", container: "orders", publishesTo: [], reactions: [] },
          { name: "audit", container: "orders", publishesTo: [], reactions: [] },
        ],
        [{ name: "x".repeat(65), topic: "orders", shard: "orders", service: "audit", functionName: "audit-f", includedEventTypes: [], maxEventsPerBatch: 1, deadLetter: true, retryPolicy: { eventTimeToLiveInMinutes: 1440, maxDeliveryAttempts: 30 } }],
      );
    expect(bad).toThrow(GenInfraError);
    expect(bad).toThrow(/Orders_Service[\s\S]*"orders" is used by two services[\s\S]*not 3-64[\s\S]*filters on no event type/);
  });
});
