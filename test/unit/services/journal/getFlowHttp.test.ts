import { HttpRequest, InvocationContext } from "@azure/functions";
import { AppConfig } from "#src/platform/config";
import { randomIds } from "#src/platform/ids";
import { runReaction } from "#src/platform/reactions";
import { ServiceRuntime } from "#src/platform/runtime";
import { createFlowViewCache } from "#src/services/journal/flowView";
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

const setup = () => {
  const store = createInMemoryStore();
  const calls = { queries: 0, reads: 0 };
  const counting = {
    ...store,
    queryDocuments: ((...args: Parameters<typeof store.queryDocuments>) => (calls.queries++, store.queryDocuments(...args))),
    readDocument: ((...args: Parameters<typeof store.readDocument>) => (calls.reads++, store.readDocument(...args))),
  } as typeof store;
  let now = 0;
  const ports: JournalPorts = {
    settings: parseJournalSettings({}),
    flowIndex: { listFlowSummaries: async () => [] },
    incidents: { deadLettersOf: async () => null, poisonOf: async () => null },
    flowViews: createFlowViewCache(1000, 60_000, () => now),
  };
  // Two seconds into the flow: not stalled, so the view writes no warning mark on the summary.
  const viewedAt = new Date("2026-01-01T00:00:02.000Z");
  const runtime = { store: counting, ports, clock: () => viewedAt, service: "journal", config: {} as AppConfig, publisher: recordingPublisher(), ids: randomIds } as ServiceRuntime<JournalPorts>;
  const record = (event: unknown) => runReaction(recordEventInJournal, event, { store, publisher: recordingPublisher(), ports, clock: () => fixedNow });
  const get = async (headers: Record<string, string> = {}) => {
    const response = await getFlow(
      new HttpRequest({ method: "GET", url: "http://localhost/api/flows/flow-v", params: { correlationId: "flow-v" }, headers }),
      runtime,
      new InvocationContext({ functionName: "journal-getFlow" }),
    );
    const headersOf = response.headers as Record<string, string>;
    const text = typeof response.body === "string" ? response.body : undefined;
    return { status: response.status, etag: headersOf["etag"], text, body: text === undefined ? undefined : (JSON.parse(text) as { events: { id: string }[] }) };
  };
  return { calls, record, get, tick: (ms: number) => (now += ms) };
};

describe("GET /api/flows/{correlationId}: one point read while the flow has not changed", () => {
  it("reads the partition once, then only the summary until a new event replaces it", async () => {
    const { calls, record, get } = setup();
    await record(placed);
    await record(effect("fx-1"));
    expect((await get()).body?.events.map((e) => e.id)).toEqual([placed.id, "fx-1"]);
    expect(calls).toEqual({ queries: 1, reads: 0 });
    expect((await get()).body?.events.map((e) => e.id)).toEqual([placed.id, "fx-1"]);
    expect(calls).toEqual({ queries: 1, reads: 1 });
    await record(effect("fx-2"));
    expect((await get()).body?.events.map((e) => e.id)).toEqual([placed.id, "fx-1", "fx-2"]);
    expect(calls).toEqual({ queries: 2, reads: 2 });
  });

  it("reads the partition again once the remembered view is older than its bound (entries may expire on their own)", async () => {
    const { calls, record, get, tick } = setup();
    await record(placed);
    await get();
    tick(60_001);
    await get();
    expect(calls.queries).toBe(2);
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

  it("writes the same bytes from memory as from the partition: the view's JSON, keys in their order", async () => {
    const { record, get } = setup();
    await record(placed);
    await record(effect("fx-1"));
    const read = await get();
    const remembered = await get();
    expect(remembered.text).toBe(read.text);
    expect(remembered.etag).toBe(read.etag);
    const view = JSON.parse(read.text!) as Record<string, unknown>;
    expect(Object.keys(view)).toEqual(["correlationId", "flow", "status", "waitingFor", "startedAt", "lastEventAt", "deadlineAt", "events", "deadLetters", "poison"]);
    expect(JSON.stringify(view)).toBe(read.text);
  });
});
