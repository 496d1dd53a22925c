import { eventCatalog, eventTypes, topicNames } from "#src/events/catalog";
import { deployedTopicLayout, shardsOf, singleShardLayout } from "#src/events/topicShards";
import { registerServices } from "#src/platform/registerServices";
import { serviceModules } from "#src/services";
import { LOCAL_TOPIC_KEY } from "#dev/stack";
import { functionNameOf, listSubscriptions, manifest, outboxRelay, selectServices, serviceNames, services, timersOf, topicsPublishedBy } from "#src/topology";
import sample from "../../local.settings.sample.json";
import { eventTypesBuiltByService } from "./governance/eventTypesBuiltByCode";

/** Records what registerServices asks the Functions app for, as the host would see it. */
const fakeApp = () => {
  const registered: { kind: string; name: string; options: any }[] = [];
  const record = (kind: string) => (name: string, options: unknown) => void registered.push({ kind, name, options });
  return { app: { http: record("http"), eventGrid: record("eventGrid"), timer: record("timer") } as any, registered };
};
const noRuntime = (() => {
  throw new Error("no runtime in this test");
}) as any;

describe("the manifest and what is derived from it", () => {
  it("registers exactly the manifest's functions for all services, with their routes and methods", () => {
    const { app, registered } = fakeApp();
    registerServices(app, manifest, serviceNames, serviceModules, noRuntime);
    const expected = serviceNames.flatMap((s) => [
      ...services[s].reactions.map((r) => `eventGrid:${functionNameOf(s, r.name)}`),
      ...services[s].http.map((h) => `http:${functionNameOf(s, h.name)}`),
      ...timersOf(s).map((t) => `timer:${functionNameOf(s, t.name)}`),
    ]);
    expect(registered.map((r) => `${r.kind}:${r.name}`).sort()).toEqual(expected.sort());
    const placeOrder = registered.find((r) => r.name === "orders-placeOrder");
    expect(placeOrder?.options).toMatchObject({ route: "orders", methods: ["POST"], authLevel: "anonymous" });
  });

  it("registers only the selected service when SERVICES names one (one Function App per service)", () => {
    const { app, registered } = fakeApp();
    registerServices(app, manifest, selectServices("inventory"), serviceModules, noRuntime);
    expect(new Set(registered.map((r) => r.name.split("-")[0]))).toEqual(new Set(["inventory"]));
    expect(() => selectServices("inventory,nope")).toThrow(/unknown service\(s\): nope/);
    expect(selectServices(" ")).toEqual(serviceNames);
  });

  it("fails at startup when a service's code and the manifest disagree", () => {
    const { app } = fakeApp();
    // Both compile errors in typed code (ServiceModule's reactions are typed by the manifest); the startup check
    // still catches a module built around the types, e.g. from plain JavaScript.
    const missing = { ...serviceModules, inventory: { ...serviceModules.inventory, reactions: serviceModules.inventory.reactions.slice(1) } };
    expect(() => registerServices(app, manifest, ["inventory"], missing, noRuntime)).toThrow(/differ from the manifest/);
    const stray = { ...serviceModules.inventory.reactions[0]!, name: "reserveStockTwice" };
    const extra = { ...serviceModules, inventory: { ...serviceModules.inventory, reactions: [...serviceModules.inventory.reactions, stray] } } as any;
    expect(() => registerServices(app, manifest, ["inventory"], extra, noRuntime)).toThrow(/reserveStockTwice.*differ from the manifest/);
  });

  it("gives the outbox relay to exactly the services whose code builds events, and only their own timers besides", () => {
    for (const service of serviceNames) {
      const names = timersOf(service).map((t) => t.name);
      expect({ service, relay: names.includes(outboxRelay.name) }).toEqual({ service, relay: eventTypesBuiltByService(service).length > 0 });
    }
    expect(timersOf("journal").map((t) => t.name)).toEqual(["warnStalledFlows"]);
    expect(timersOf("payments").map((t) => t.name)).toEqual(["publishPendingOutbox", "reconcilePaymentsWithGateway"]);
  });

  it("derives unique, valid Event Grid subscription names filtered to each topic's own event types", () => {
    const subs = listSubscriptions();
    expect(new Set(subs.map((s) => s.name)).size).toBe(subs.length);
    for (const s of subs) {
      expect(s.name).toMatch(/^[A-Za-z0-9-]{3,64}$/);
      for (const t of s.includedEventTypes ?? []) expect(eventCatalog[t].topic).toBe(s.topic);
    }
    const journal = subs.filter((s) => s.functionName === "journal-recordEventInJournal");
    expect(journal.map((s) => s.shard)).toEqual(topicNames.flatMap((t) => shardsOf(t, deployedTopicLayout)));
    // Locally one shard per topic: shard 0 keeps the topic's own name, so the names are the unsharded ones.
    expect(listSubscriptions(singleShardLayout).filter((s) => s.functionName === "journal-recordEventInJournal").map((s) => s.name)).toEqual([
      "orders-journal-recordEventInJournal", "users-journal-recordEventInJournal", "wallet-journal-recordEventInJournal",
    ]);
  });

  it("governs the catalog: versioned names and a real owning service for every type", () => {
    for (const type of eventTypes) {
      expect(type).toMatch(/^[A-Z][A-Za-z]+\.[A-Z][A-Za-z]+\.v\d+$/);
      expect(serviceNames).toContain(eventCatalog[type].publisher);
    }
    expect(topicsPublishedBy("inventory")).toEqual(["orders"]);
    expect(topicsPublishedBy("journal")).toEqual([]);
  });

  it("keeps local.settings.sample.json in step with the topics and the local stack's key", () => {
    const values = sample.Values as Record<string, string>;
    for (const topic of ["orders", "users", "wallet"]) {
      expect(values[`EVENTGRID_${topic.toUpperCase()}__topicEndpointUri`]).toBe(`http://127.0.0.1:7075/${topic}/api/events`);
      expect(values[`EVENTGRID_${topic.toUpperCase()}__key`]).toBe(LOCAL_TOPIC_KEY);
    }
    expect(values.FUNCTIONS_WORKER_RUNTIME).toBe("node");
  });
});
