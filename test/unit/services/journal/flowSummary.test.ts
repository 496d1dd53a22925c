import { CloudEventEnvelope } from "#src/events/envelope";
import { flowNames, flows } from "#src/flows";
import { FLOW_SUMMARY_ID, addToSummary, flowSummaryDocumentSchema, summaryOfEvents, summaryRoleOf } from "#src/services/journal/flowSummary";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const event = (id: string, type: string, seconds: number, causationid?: string): CloudEventEnvelope => ({
  specversion: "1.0",
  id,
  source: "/services/orders",
  type,
  time: new Date(t0 + seconds * 1000).toISOString(),
  correlationid: "flow-1",
  ...(causationid ? { causationid } : {}),
  data: {},
});
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();

const permutations = <T>(items: readonly T[]): T[][] =>
  items.length <= 1 ? [[...items]] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

// An order that went both ways (a confirmation and a cancellation, as a late stock failure could leave it), with
// middle events and a redelivered outcome: every field of its summary has something to decide.
const placed = event("e-1", "Orders.OrderPlaced.v2", 0);
const reserved = event("e-2", "Inventory.StockReserved.v1", 1, "e-1");
const paid = event("e-3", "Payments.PaymentConfirmed.v1", 2, "e-1");
const confirmed = event("e-4", "Orders.OrderConfirmed.v1", 3, "e-3");
const invoiced = event("e-5", "Invoicing.InvoiceSent.v1", 5, "e-3");
const cancelled = event("e-6", "Orders.OrderCancelled.v1", 4, "e-2");

describe("the flow summary: a fold of the flow's start and outcome events", () => {
  it("is the same whichever order the events arrive in, and a redelivery changes nothing (every permutation)", () => {
    const events = [placed, reserved, paid, confirmed, cancelled, invoiced];
    const expected = { flow: "order", startedAt: at(0), startSeen: true, ended: "failed", endedAt: at(4), lastChangedAt: at(4) };
    const all = permutations([...events, structuredClone(cancelled)]);
    expect(all).toHaveLength(5040);
    for (const order of all) expect(summaryOfEvents(order, 100)).toEqual({ id: FLOW_SUMMARY_ID, pk: "flow-1", kind: "flowSummary", ttl: 100, ...expected });
  });

  it("is the same in every order for each flow's own events, from its start to each of its outcomes", () => {
    for (const flow of flowNames) {
      const definition = flows[flow];
      const outcomes = [...definition.succeededWith, ...definition.failedWith].map((type, i) => event(`o-${i}`, type, 10 + i));
      const events = [event("s", definition.startedBy, 5), ...outcomes];
      const answers = new Set(permutations(events).map((order) => JSON.stringify(summaryOfEvents(order, 100))));
      expect(answers.size).toBe(1);
      expect(summaryOfEvents(events, 100)).toMatchObject({ flow, startedAt: at(5), ended: definition.failedWith.length > 0 ? "failed" : "completed" });
    }
  });

  it("is written by an outcome that arrives before the start: the flow from the outcome's type, started at the earliest time seen until the start is", () => {
    const early = addToSummary(undefined, confirmed, 100);
    expect(early).toMatchObject({ flow: "order", startedAt: at(3), startSeen: false, ended: "completed", endedAt: at(3), lastChangedAt: at(3) });
    expect(addToSummary(early, placed, 100)).toMatchObject({ startedAt: at(0), startSeen: true, ended: "completed", endedAt: at(3) });
  });

  it("ends failed when a failure outcome is seen, whether a success came before or after it", () => {
    const start = summaryOfEvents([placed], 100);
    expect(summaryOfEvents([placed, confirmed, cancelled], 100)).toMatchObject({ ended: "failed", endedAt: at(4) });
    expect(summaryOfEvents([placed, cancelled, confirmed], 100)).toMatchObject({ ended: "failed", endedAt: at(4) });
    expect(start).toMatchObject({ ended: null, endedAt: null, lastChangedAt: at(0) });
  });

  it("is left alone by events in the middle of a flow and by events of no flow, and never created by them", () => {
    const start = addToSummary(undefined, placed, 100);
    for (const middle of [reserved, paid, invoiced, event("x", "Somebody.Unknown.v1", 9)]) {
      expect(addToSummary(start, middle, 100)).toBe(start);
      expect(addToSummary(undefined, middle, 100)).toBeUndefined();
    }
  });

  it("leaves out an outcome of another flow than the one it is about", () => {
    const start = addToSummary(undefined, placed, 100);
    expect(addToSummary(start, event("n", "Notifications.UserNotified.v1", 7), 100)).toBe(start);
  });

  it("keeps only what the listing shows, and the schema refuses a summary that lost a field", () => {
    const summary = summaryOfEvents([placed, confirmed], 100)!;
    expect(Object.keys(summary).sort()).toEqual(["ended", "endedAt", "flow", "id", "kind", "lastChangedAt", "pk", "startSeen", "startedAt", "ttl"]);
    const { lastChangedAt: _dropped, ...without } = summary;
    expect(flowSummaryDocumentSchema.safeParse(without).success).toBe(false);
  });
});

describe("the flows' start and outcome types", () => {
  it("each have one role in one flow (what makes the summary's fold order-independent)", () => {
    const named = flowNames.flatMap((f) => [flows[f].startedBy, ...flows[f].succeededWith, ...flows[f].failedWith]);
    expect(new Set(named).size).toBe(named.length);
    for (const f of flowNames) expect(summaryRoleOf(flows[f].startedBy)).toEqual({ flow: f, role: "start" });
  });
});

/**
 * What the local Cosmos server adds to a stored document (`_rid`, `_self`, `_etag`, `_ts`), measured on a journal
 * summary read back with the real client: 172 bytes whatever the document.
 */
const SYSTEM_PROPERTIES_BYTES = 172;
/** Cosmos DB charges a write by the KB started: a summary over this costs twice as much per write. */
const ONE_KB = 1024;

describe("the flow summary's size", () => {
  // Real-size values: ids are UUIDs, times ISO strings, sources and types as the services publish them.
  const uuid = (n: number) => `${String(n).padStart(8, "0")}-10cc-8899-9efc-bad60b17f01b`;
  const correlationid = "b360e8d1-c130-880f-b219-5f919addabf7";
  let n = 0;
  const published = (type: string, service: string, cause?: CloudEventEnvelope): CloudEventEnvelope => ({
    specversion: "1.0",
    id: uuid(++n),
    source: `/services/${service}`,
    type,
    subject: "orders/6072c217-6484-42d2-a261-8cd9654f3259",
    time: new Date(Date.parse("2026-11-30T19:57:45.173Z") + n * 50).toISOString(),
    correlationid,
    ...(cause ? { causationid: cause.id } : {}),
    traceparent: "00-744909d35273d6e4a0652b7030517661-93a00697fd99815f-01",
    data: {},
  });
  const storedBytes = (events: readonly CloudEventEnvelope[]) =>
    Buffer.byteLength(JSON.stringify(summaryOfEvents(events, 30 * 86400))) + SYSTEM_PROPERTIES_BYTES;

  it("stays within 1 KB stored whatever the flow's length: it keeps no steps", () => {
    const placed = published("Orders.OrderPlaced.v2", "orders");
    const payment = published("Payments.PaymentConfirmed.v1", "payments", placed);
    const middle = Array.from({ length: 50 }, () => published("Inventory.StockReserved.v1", "inventory", placed));
    const events = [placed, ...middle, payment, published("Orders.OrderConfirmed.v1", "orders", payment), published("Orders.OrderCancelled.v1", "orders", payment)];
    expect(storedBytes(events)).toBeLessThanOrEqual(ONE_KB / 2);
  });
});
