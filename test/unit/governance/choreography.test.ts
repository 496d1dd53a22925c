import { EventType, eventCatalog } from "#src/events/catalog";
import {
  ChoreographyModel,
  ChoreographyReaction,
  choreographyFigures,
  findCycles,
  lintChoreography,
  systemChoreography,
} from "#src/governance/choreography";
import { runReaction } from "#src/platform/reactions";
import { sendInvoiceWhenPaymentConfirmed } from "#src/services/invoicing/sendInvoiceWhenPaymentConfirmed";
import { flowNames, flows } from "#src/flows";
import { reactionSpecsOf, serviceNames, services } from "#src/topology";
import { anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";
import { eventTypesBuiltByReaction, eventTypesBuiltByService } from "./eventTypesBuiltByCode";

/** A small model to show each rule firing: A starts a flow, `x` turns A into B, `y` turns B into C (an outcome). */
const tiny = (change: (m: { reactions: ChoreographyReaction[]; outcomes: Set<string> }) => void = () => undefined): ChoreographyModel => {
  const m = {
    reactions: [
      { service: "s1", name: "x", on: ["A"], publishes: ["B"] },
      { service: "s2", name: "y", on: ["B"], publishes: ["C"] },
      { service: "log", name: "all", on: "all" as const, publishes: [] },
    ] as ChoreographyReaction[],
    outcomes: new Set(["C"]),
  };
  change(m);
  return {
    services: ["s0", "s1", "s2", "log"],
    reactions: m.reactions,
    events: { A: { publisher: "s0" }, B: { publisher: "s1" }, C: { publisher: "s2" } },
    entryPoints: ["A"],
    outcomes: m.outcomes,
  };
};

describe("choreography lint", () => {
  it("passes for this system, and its figures are what the manifest says", () => {
    const model = systemChoreography();
    expect(lintChoreography(model)).toEqual([]);
    const figures = choreographyFigures(model);
    expect(figures.services).toBe(serviceNames.length);
    expect(figures.reactions).toBe(serviceNames.reduce((n, s) => n + services[s].reactions.length, 0));
    expect(figures.fanOut["Orders.OrderPlaced.v2"]).toBe(2);
    expect(figures.fanOut["Users.UserSignedUp.v1"]).toBe(5);
    // The compensation loop of an order is real, and bounded by the order's forward-only status.
    expect(figures.cycles.map((c) => c.events[0])).toContain("Orders.OrderCancelled.v1");
    expect(figures.cycles.every((c) => c.boundedBy.some((b) => b.startsWith("orders-updateOrderWhenStockOrPaymentSettled")))).toBe(true);
  });

  it("passes a model without problems", () => {
    expect(lintChoreography(tiny())).toEqual([]);
  });

  it("fails a cycle nobody bounds, and accepts it once a reaction on it gives a reason", () => {
    const loop = tiny((m) => m.reactions.push({ service: "s0", name: "z", on: ["C"], publishes: ["A"] }));
    expect(lintChoreography(loop)).toEqual([expect.stringMatching(/^cycle A → B → C → A \(through s1-x, s2-y, s0-z\) is not bounded/)]);
    const bounded = tiny((m) => m.reactions.push({ service: "s0", name: "z", on: ["C"], publishes: ["A"], boundsCycle: "once per thing" }));
    expect(lintChoreography(bounded)).toEqual([]);
    expect(findCycles(bounded)).toEqual([{ events: ["A", "B", "C"], reactions: ["s1-x", "s2-y", "s0-z"], boundedBy: ["s0-z: once per thing"] }]);
  });

  it("fails a reaction that publishes or listens to a type the catalog does not know", () => {
    const unknown = tiny((m) => void (m.reactions[1] = { service: "s2", name: "y", on: ["B", "Z"], publishes: ["C", "A2"] }));
    expect(lintChoreography(unknown)).toEqual(["s2-y listens to Z, which is not in the catalog", "s2-y publishes A2, which is not in the catalog"]);
  });

  it("fails this system's order cycle when its bound is taken away", () => {
    const model = systemChoreography();
    const unbounded = { ...model, reactions: model.reactions.map(({ boundsCycle: _, ...r }) => r) };
    expect(lintChoreography(unbounded).join("\n")).toMatch(/cycle Orders\.OrderCancelled\.v1 → .* is not bounded/);
  });

  it("fails an event only the journal hears unless it is a flow's outcome", () => {
    const noise = tiny((m) => m.outcomes.clear());
    expect(lintChoreography(noise)).toEqual([expect.stringMatching(/^C has no consumer but the journal and is no outcome of a flow/)]);
  });

  it("fails a reaction that waits for an event nobody publishes", () => {
    const deadEnd = tiny((m) => void (m.reactions[0] = { service: "s1", name: "x", on: ["A"], publishes: [] }));
    expect(lintChoreography(deadEnd)).toEqual([
      "B is published by no reaction and starts no flow: a dead type",
      "s2-y listens to B, which nobody publishes",
    ]);
  });

  it("fails a reaction that declares an event its service does not own", () => {
    const stolen = tiny((m) => void (m.reactions[1] = { service: "s2", name: "y", on: ["B"], publishes: ["C", "B"] }));
    expect(lintChoreography(stolen).join("\n")).toMatch(/s2-y publishes B, owned by s1: a service publishes only what it owns/);
  });
});

describe("what the manifest says a reaction publishes is what its code builds", () => {
  const reactions = serviceNames.flatMap((service) => reactionSpecsOf(service).map((r) => ({ service, ...r })));

  it.each(reactions.map((r) => [`${r.service}-${r.name}`, r] as const))("%s", (_, r) => {
    expect(eventTypesBuiltByReaction(r.service, r.name)).toEqual([...r.publishes].sort());
  });

  it.each([...serviceNames])("%s builds only event types it owns, and outside its reactions only the flows it starts", (service) => {
    const built = eventTypesBuiltByService(service);
    expect(built.filter((t) => eventCatalog[t as EventType].publisher !== service)).toEqual([]);
    const byReactions = new Set(reactionSpecsOf(service).flatMap((r) => r.publishes));
    const flowStarts = new Set<string>(flowNames.map((f) => flows[f].startedBy));
    expect(built.filter((t) => !byReactions.has(t as EventType) && !flowStarts.has(t))).toEqual([]);
  });

  it.each([...flowNames])("the %s flow's starting event is built by its owner's code", (flow) => {
    const type = flows[flow].startedBy;
    expect(eventTypesBuiltByService(eventCatalog[type].publisher)).toContain(type);
  });
});

describe("the runtime ownership check (assertPublishable in runReaction)", () => {
  it("refuses a decision that publishes a type its service does not own: nothing committed, nothing published", async () => {
    const rogue = {
      ...sendInvoiceWhenPaymentConfirmed,
      decide: (...args: Parameters<typeof sendInvoiceWhenPaymentConfirmed.decide>) => {
        const decision = sendInvoiceWhenPaymentConfirmed.decide(...args);
        return { ...decision, publish: [...decision.publish, { type: "Orders.OrderConfirmed.v1" as const, data: { orderId: "o-1" } }] };
      },
    };
    const store = createInMemoryStore();
    const publisher = recordingPublisher();
    const event = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch", amount: 30, currency: "EUR" });
    await expect(runReaction(rogue, event, { store, publisher, ports: {}, clock: () => fixedNow })).rejects.toThrow(
      "invoicing may not publish Orders.OrderConfirmed.v1; its owner is orders",
    );
    expect(store.commits).toHaveLength(0);
    expect(publisher.published).toHaveLength(0);
  });
});
