import { HttpRequest, InvocationContext } from "@azure/functions";
import { AppConfig } from "#src/platform/config";
import { randomIds } from "#src/platform/ids";
import { runReaction } from "#src/platform/reactions";
import { ServiceRuntime } from "#src/platform/runtime";
import { getFlow } from "#src/services/journal/getFlowHttp";
import { JournalPorts } from "#src/services/journal/ports";
import { recordEventInJournal } from "#src/services/journal/recordEventInJournal";
import { parseJournalSettings } from "#src/services/journal/settings";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const placed = anEvent("Orders.OrderPlaced.v2", {
  orderId: "o-1", customerId: "c-1", items: [{ sku: "S", quantity: 1, unitPrice: 5 }], currency: "EUR", total: 5, paymentMethodId: A_PAYMENT_METHOD_ID,
}, { source: "/services/orders", correlationid: "flow-v" });
const effect = (id: string) =>
  anEvent("Inventory.StockReserved.v1", { orderId: "o-1", items: [{ sku: "S", quantity: 1 }] }, {
    id, source: "/services/inventory", causationid: placed.id, correlationid: "flow-v", time: "2026-01-01T00:00:01.000Z",
  });

const setup = (viewedAt = new Date("2026-01-01T00:00:02.000Z")) => {
  const store = createInMemoryStore();
  const calls = { queries: 0, reads: 0, stepQueries: 0 };
  const warnings: string[] = [];
  const counting = {
    ...store,
    queryDocuments: ((...args: Parameters<typeof store.queryDocuments>) => (calls.queries++, store.queryDocuments(...args))),
    readDocument: ((...args: Parameters<typeof store.readDocument>) => (calls.reads++, store.readDocument(...args))),
  } as typeof store;
  const ports: JournalPorts = {
    settings: parseJournalSettings({}),
    flowIndex: { listFlowSummaries: async () => [], listFlowSteps: async () => (calls.stepQueries++, []) },
    incidents: { deadLettersOf: async () => null, poisonOf: async () => null },
  };
  // By default two seconds into the flow: not stalled, so the view writes no warning mark on the summary.
  const runtime = { store: counting, ports, clock: () => viewedAt, service: "journal", config: {} as AppConfig, publisher: recordingPublisher(), ids: randomIds } as ServiceRuntime<JournalPorts>;
  const record = (event: unknown) => runReaction(recordEventInJournal, event, { store, publisher: recordingPublisher(), ports, clock: () => fixedNow });
  const get = async (headers: Record<string, string> = {}) => {
    const response = await getFlow(
      new HttpRequest({ method: "GET", url: "http://localhost/api/flows/flow-v", params: { correlationId: "flow-v" }, headers }),
      runtime,
      new InvocationContext({ functionName: "journal-getFlow", logHandler: (level, ...args) => level === "warning" && warnings.push(args.join(" ")) }),
    );
    const headersOf = response.headers as Record<string, string>;
    const text = typeof response.body === "string" ? response.body : undefined;
    return { status: response.status, etag: headersOf["etag"], text, body: text === undefined ? undefined : (JSON.parse(text) as { events: { id: string }[]; waitingFor: string[]; flow: string | null; status: string }) };
  };
  return { calls, warnings, record, get };
};

describe("GET /api/flows/{correlationId}", () => {
  it("reads the flow's partition once per view, and computes what it waits for from its entries", async () => {
    const { calls, record, get } = setup();
    await record(placed);
    await record(effect("fx-1"));
    const view = (await get()).body;
    expect(view?.events.map((e) => e.id)).toEqual([placed.id, "fx-1"]);
    // Inventory answered the OrderPlaced; payments has not.
    expect(view).toMatchObject({ flow: "order", status: "running", waitingFor: ["payments-chargePaymentWhenOrderPlaced"] });
    expect(calls).toEqual({ queries: 1, reads: 0, stepQueries: 0 });
  });

  it("warns of a stalled flow with the steps the view read, without querying them again", async () => {
    const { calls, warnings, record, get } = setup(new Date("2026-01-02T00:00:00.000Z"));
    await record(placed);
    await record(effect("fx-1"));
    expect((await get()).body).toMatchObject({ status: "stalled", waitingFor: ["payments-chargePaymentWhenOrderPlaced"] });
    expect(warnings).toEqual([expect.stringMatching(/^\[flow flow-v\] stalled: order flow .* last event Inventory\.StockReserved\.v1 at 2026-01-01T00:00:01\.000Z; waiting for payments-chargePaymentWhenOrderPlaced$/)]);
    expect(calls).toMatchObject({ queries: 1, stepQueries: 0 });
  });

  it("shows a flow whose start and outcomes are not journaled yet (no summary): flow unknown, running, started at its earliest event", async () => {
    const { record, get } = setup();
    await record(effect("fx-1"));
    expect((await get()).body).toMatchObject({ flow: null, status: "running", startedAt: "2026-01-01T00:00:01.000Z", endedAt: null });
  });

  it("answers 304 to a caller that holds the current version, 200 with a new ETag once the flow moved on", async () => {
    const { record, get } = setup();
    await record(placed);
    const first = await get();
    expect(first).toMatchObject({ status: 200, etag: expect.stringMatching(/^"[A-Za-z0-9_-]{27}"$/) });
    await expect(get({ "if-none-match": first.etag! })).resolves.toEqual({ status: 304, etag: first.etag, text: undefined, body: undefined });
    await expect(get({ "if-none-match": `W/${first.etag!}, "other"` })).resolves.toMatchObject({ status: 304 });
    await record(effect("fx-1"));
    const moved = await get({ "if-none-match": first.etag! });
    expect(moved.status).toBe(200);
    expect(moved.etag).not.toBe(first.etag);
  });

  it("answers the view's JSON with its keys in their order, the same bytes for the same flow", async () => {
    const { record, get } = setup();
    await record(placed);
    await record(effect("fx-1"));
    const read = await get();
    expect((await get()).text).toBe(read.text);
    const view = JSON.parse(read.text!) as Record<string, unknown>;
    expect(Object.keys(view)).toEqual(["correlationId", "flow", "status", "waitingFor", "startedAt", "endedAt", "lastEventAt", "deadlineAt", "events", "deadLetters", "poison"]);
  });
});
