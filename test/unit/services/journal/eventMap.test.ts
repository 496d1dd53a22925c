import { listSubscriptions } from "#src/topology";
import { FLOWS_PER_EDGE_MINUTE, MapIncident, mapEdges, mapNodes, percentileOf, latencyBin } from "#src/services/journal/eventMap";
import { EventMapSources, REFRESH_MS, createEventMap, storeEntryFeed } from "#src/services/journal/eventMapFeed";
import { createInMemoryStore } from "../../../support/inMemoryStore";

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const PLACED_TO_STOCK = "Orders.OrderPlaced.v2->inventory-reserveStockWhenOrderPlaced";
const PLACED_TO_PAYMENT = "Orders.OrderPlaced.v2->payments-chargePaymentWhenOrderPlaced";
const CANCELLED_TO_RELEASE = "Orders.OrderCancelled.v1->inventory-releaseStockWhenOrderCancelled";

/** A journal entry as recordEventInJournal stores it (the data left out: the map never reads it). */
const entry = (id: string, type: string, service: string, correlationId: string, atMs: number, causationid?: string) => ({
  id: `event:${id}`,
  pk: correlationId,
  kind: "journalEntry",
  event: { specversion: "1.0", id, type, source: `/services/${service}`, time: new Date(atMs).toISOString(), correlationid: correlationId, ...(causationid ? { causationid } : {}), data: {} },
  recordedAt: new Date(atMs).toISOString(),
});

const given = (options: { deadLetters?: MapIncident[] | null } = {}) => {
  const store = createInMemoryStore();
  let now = T0;
  const sources: EventMapSources = {
    entries: storeEntryFeed(store),
    incidents: { deadLetters: async () => (options.deadLetters === undefined ? [] : options.deadLetters), failedDeliveries: async () => null, poison: async () => [] },
    stalledFlows: async () => [],
  };
  const map = createEventMap(sources, () => now);
  const add = (...docs: ReturnType<typeof entry>[]) => Promise.all(docs.map((d) => store.commit(d.pk, [{ op: "create", document: d }])));
  const edge = async (key: string, windowMs = 3_600_000) => {
    const view = await map.view(windowMs);
    return view.edges.find((e) => e.edge === key)!;
  };
  return { add, edge, map, store, later: (ms: number) => (now += ms), nowMs: () => now };
};

describe("event map", () => {
  it("draws every manifest edge from the publishing service to each reaction but the journal's", () => {
    expect(mapEdges.map((e) => e.key)).toEqual(expect.arrayContaining([PLACED_TO_STOCK, PLACED_TO_PAYMENT, "Users.UserSignedUp.v1->crm-addContactWhenUserSignedUp"]));
    expect(mapEdges.some((e) => e.functionName.startsWith("journal-"))).toBe(false);
    expect(mapEdges.find((e) => e.key === PLACED_TO_STOCK)).toMatchObject({ from: "orders", to: "inventory" });
    expect(mapNodes.find((n) => n.service === "orders")?.column).toBe(0);
    expect(mapNodes.filter((n) => n.column === 0).map((n) => n.service).sort()).toEqual(["ledger", "orders", "users"]);
    expect(mapNodes.find((n) => n.service === "journal")?.column).toBe(Math.max(...mapNodes.map((n) => n.column)));
  });

  it("counts each event on every edge its type takes; an edge without traffic counts 0 and has no latency", async () => {
    const { add, edge, later } = given();
    later(10_000);
    await add(...["a", "b", "c"].map((f, i) => entry(`placed-${f}`, "Orders.OrderPlaced.v2", "orders", `flow-${f}`, T0 + i * 1000)));
    await expect(edge(PLACED_TO_STOCK)).resolves.toMatchObject({ count: 3, answered: 0, p95Ms: null, failures: 0, trouble: false });
    await expect(edge(PLACED_TO_PAYMENT)).resolves.toMatchObject({ count: 3 });
    await expect(edge(CANCELLED_TO_RELEASE)).resolves.toMatchObject({ count: 0, p50Ms: null, p95Ms: null, flows: [] });
    expect([...(await edge(PLACED_TO_STOCK)).flows].sort()).toEqual(["flow-a", "flow-b", "flow-c"]);
  });

  it("gives p50/p95 from cause to effect, each cause once per reaction, and reads nothing twice", async () => {
    const { add, edge, later } = given();
    later(60_000);
    const flows = Array.from({ length: 20 }, (_, i) => i + 1);
    await add(...flows.map((i) => entry(`placed-${i}`, "Orders.OrderPlaced.v2", "orders", `flow-${i}`, T0)));
    // Stock answers the i-th order after i × 100 ms; payment answers none yet.
    await add(...flows.map((i) => entry(`reserved-${i}`, "Inventory.StockReserved.v1", "inventory", `flow-${i}`, T0 + i * 100, `placed-${i}`)));
    // A second event of the same reaction for the same cause is not a second hop.
    await add(entry("reserved-again", "Inventory.StockReservationFailed.v1", "inventory", "flow-1", T0 + 9_000, "placed-1"));
    const stock = await edge(PLACED_TO_STOCK);
    expect(stock).toMatchObject({ count: 20, answered: 20 });
    expect(Math.abs(stock.p50Ms! - 1000) / 1000).toBeLessThan(0.05);
    expect(Math.abs(stock.p95Ms! - 1900) / 1900).toBeLessThan(0.05);
    await expect(edge(PLACED_TO_PAYMENT)).resolves.toMatchObject({ count: 20, answered: 0, p95Ms: null });
    // At most FLOWS_PER_EDGE_MINUTE flows per edge and minute are remembered, the newest.
    expect(stock.flows).toEqual(flows.slice(-FLOWS_PER_EDGE_MINUTE).reverse().map((i) => `flow-${i}`));
    // The in-memory store answers every entry again on the next refresh, as the late-commit margin does in part.
    later(REFRESH_MS);
    await expect(edge(PLACED_TO_STOCK)).resolves.toMatchObject({ count: 20, answered: 20 });
  });

  it("pairs an effect recorded before its cause, and finds a cause older than memory by a point read", async () => {
    const { add, edge, later, nowMs } = given();
    later(1_000);
    await add(entry("reserved", "Inventory.StockReserved.v1", "inventory", "flow-x", T0 + 400, "placed"));
    await expect(edge(PLACED_TO_STOCK)).resolves.toMatchObject({ count: 0, answered: 0 });
    later(REFRESH_MS);
    await add(entry("placed", "Orders.OrderPlaced.v2", "orders", "flow-x", T0));
    await expect(edge(PLACED_TO_STOCK)).resolves.toMatchObject({ count: 1, answered: 1, p95Ms: expect.any(Number) });

    // Settled after 20 minutes, the cause long out of memory: read by its id in the flow's partition.
    later(20 * 60_000);
    await add(entry("paid", "Payments.PaymentConfirmed.v1", "payments", "flow-x", nowMs(), "placed"));
    later(REFRESH_MS);
    await edge(PLACED_TO_PAYMENT); // the effect waits for its cause to come through the feed first
    later(60_000);
    const payment = await edge(PLACED_TO_PAYMENT);
    expect(payment).toMatchObject({ count: 1, answered: 1 });
    expect(payment.p95Ms).toBeGreaterThan(20 * 60_000 * 0.95);
  });

  it("marks the edge a dead letter was lost on, and lists its flow", async () => {
    const subscription = listSubscriptions().find((s) => s.functionName === "inventory-reserveStockWhenOrderPlaced")!.name;
    const deadLetter: MapIncident = { kind: "deadLetter", edge: PLACED_TO_STOCK, correlationId: "flow-dead", timeMs: T0 + 2_000 };
    const { add, edge, later } = given({ deadLetters: [deadLetter] });
    expect(subscription).toBeDefined();
    later(10_000);
    await add(entry("placed-dead", "Orders.OrderPlaced.v2", "orders", "flow-dead", T0));
    await expect(edge(PLACED_TO_STOCK)).resolves.toMatchObject({ count: 1, deadLetters: 1, failures: 1, trouble: true, flows: ["flow-dead"] });
    await expect(edge(PLACED_TO_PAYMENT)).resolves.toMatchObject({ count: 1, failures: 0, trouble: false });
    // Outside the window the dead letter is not counted.
    later(10 * 60_000);
    await expect(edge(PLACED_TO_STOCK, 5 * 60_000)).resolves.toMatchObject({ count: 0, failures: 0, trouble: false });
  });

  it("says a source it cannot read is not known, not zero", async () => {
    const { edge, later } = given({ deadLetters: null });
    later(1_000);
    await expect(edge(PLACED_TO_STOCK)).resolves.toMatchObject({ deadLetters: null, failedDeliveries: null, poison: 0, failures: 0 });
  });

  it("reads percentiles from log bins no wider than 5 %", () => {
    const bins = new Map<number, number>();
    for (const ms of [10, 20, 30, 40, 1000]) bins.set(latencyBin(ms), (bins.get(latencyBin(ms)) ?? 0) + 1);
    expect(percentileOf(bins, 0.5)! / 30).toBeCloseTo(1, 1);
    expect(percentileOf(bins, 0.95)! / 1000).toBeCloseTo(1, 1);
    expect(percentileOf(new Map(), 0.95)).toBeUndefined();
  });
});
