import { CloudEventEnvelope } from "#src/events/envelope";
import { createRecentWrites, runReaction } from "#src/platform/reactions";
import { createKeyedQueue } from "#src/platform/partitionQueue";
import { FLOW_SUMMARY_ID, FlowSummaryDocument } from "#src/services/journal/flowSummary";
import { JournalPorts } from "#src/services/journal/ports";
import { JournalEntryDocument } from "#src/services/journal/documents";
import { recordEventInJournal } from "#src/services/journal/recordEventInJournal";
import { parseJournalSettings } from "#src/services/journal/settings";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../../support/events";
import { specFor } from "../../../support/given";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const ports = (env: NodeJS.ProcessEnv = {}): JournalPorts => ({
  settings: parseJournalSettings(env),
  flowIndex: { listFlowSummaries: async () => [], listFlowSteps: async () => [] },
  incidents: { deadLettersOf: async () => null, poisonOf: async () => null },
});

const placed = () =>
  anEvent("Orders.OrderPlaced.v2", {
    orderId: "o-1",
    customerId: "c-1",
    items: [{ sku: "S", quantity: 1, unitPrice: 5 }],
    currency: "EUR",
    total: 5,
    paymentMethodId: A_PAYMENT_METHOD_ID,
  }, { source: "/services/orders", correlationid: "flow-j" });

const confirmed = (cause: CloudEventEnvelope, id = "ok-1", time = "2026-01-01T00:00:02.000Z") =>
  anEvent("Orders.OrderConfirmed.v1", { orderId: "o-1" }, { id, source: "/services/orders", causationid: cause.id, correlationid: "flow-j", time });

const cancelled = (cause: CloudEventEnvelope, id = "ko-1", time = "2026-01-01T00:00:03.000Z") =>
  anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "customer asked" }, { id, source: "/services/orders", causationid: cause.id, correlationid: "flow-j", time });

const effect = (cause: CloudEventEnvelope, id: string) =>
  anEvent("Inventory.StockReserved.v1", { orderId: "o-1", items: [{ sku: "S", quantity: 1 }] }, {
    id, source: "/services/inventory", causationid: cause.id, correlationid: "flow-j", time: "2026-01-01T00:00:01.000Z",
  });

describe("journal: recording an event", () => {
  it("stores the event with its sensitive fields redacted, expiring after JOURNAL_TTL_DAYS", async () => {
    const store = createInMemoryStore();
    const event = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" }, { source: "/services/users", correlationid: "flow-j" });
    await runReaction(recordEventInJournal, event, { store, publisher: recordingPublisher(), ports: ports({ JOURNAL_TTL_DAYS: "7" }), clock: () => fixedNow });
    const entry = await store.readDocument<JournalEntryDocument>(`event:${event.id}`, "flow-j");
    expect(JSON.stringify(entry)).not.toContain("ada@example.com");
    expect(entry).toMatchObject({ ttl: 7 * 86400, event: { id: event.id, data: { userId: "u-1", email: "[redacted]" } } });
    expect(await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j")).toMatchObject({ ttl: 7 * 86400, flow: "onboarding", startSeen: true, ended: null });
  });

  it("defaults to 30 days and refuses a TTL setting that is not a whole number of days", () => {
    expect(parseJournalSettings({}).entryTtlSeconds).toBe(30 * 86400);
    expect(() => parseJournalSettings({ JOURNAL_TTL_DAYS: "-1" })).toThrow(/JOURNAL_TTL_DAYS/);
    expect(() => parseJournalSettings({ FLOW_DEADLINE_ORDER_MS: "soon" })).toThrow(/FLOW_DEADLINE_ORDER_MS/);
  });

  it("writes the entry alone for an event in the middle of a flow, having read nothing", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, recentWrites: createRecentWrites() };
    const start = placed();
    await runReaction(recordEventInJournal, start, deps);
    const reads = jest.spyOn(store, "readDocument");
    const queries = jest.spyOn(store, "queryDocuments");
    const commits = store.commits.length;
    const next = effect(start, "fx-1");
    expect((await runReaction(recordEventInJournal, next, deps)).outcome).toBe("handled");
    expect(reads).not.toHaveBeenCalled();
    expect(queries).not.toHaveBeenCalled();
    expect(store.commits.slice(commits)).toEqual([expect.objectContaining({ writes: [expect.objectContaining({ op: "create", document: expect.objectContaining({ id: `event:${next.id}` }) })] })]);
  });

  it("counts a redelivered middle event once: its entry's create conflicts and the next attempt finds the entry", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, backoff: async () => undefined };
    const next = effect(placed(), "fx-1");
    await runReaction(recordEventInJournal, next, deps);
    expect((await runReaction(recordEventInJournal, structuredClone(next), deps)).outcome).toBe("duplicate");
    expect(store.all().map((d) => d.kind)).toEqual(["journalEntry"]);
  });

  it("records a starting event in one batch of its entry and the summary, with no inbox record, and writes nothing on a redelivery", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, backoff: async () => undefined };
    const event = placed();
    await runReaction(recordEventInJournal, event, deps);
    expect((await runReaction(recordEventInJournal, structuredClone(event), deps)).outcome).toBe("duplicate");
    expect(store.commits).toHaveLength(1);
    expect(store.all().map((d) => d.kind).sort()).toEqual(["flowSummary", "journalEntry"]);
  });

  it("keeps both outcomes of a flow when they arrive at once with its start (ETag races are re-read, never overwritten): failure wins", async () => {
    const store = createInMemoryStore();
    const start = placed();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, backoff: async () => undefined };
    const events = [start, confirmed(start), cancelled(start), ...Array.from({ length: 6 }, (_, i) => effect(start, `fx-${i}`))];
    await Promise.all(events.map((e) => runReaction(recordEventInJournal, e, deps)));
    expect(await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j")).toMatchObject({
      flow: "order", startedAt: start.time, startSeen: true, ended: "failed", endedAt: "2026-01-01T00:00:03.000Z", lastChangedAt: "2026-01-01T00:00:03.000Z",
    });
    expect(store.all().filter((d) => d.kind === "journalEntry")).toHaveLength(events.length);
  });

  it("with the process's memory of what it wrote, reads no summary for the flow's outcome, and reads it after a stale one conflicts", async () => {
    const store = createInMemoryStore();
    const reads: string[] = [];
    const counting = { ...store, readDocument: (id: string, pk: string) => (reads.push(id), store.readDocument(id, pk)) } as typeof store;
    const deps = { store: counting, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, recentWrites: createRecentWrites(), backoff: async () => undefined };
    const start = placed();
    await runReaction(recordEventInJournal, start, deps);
    await runReaction(recordEventInJournal, confirmed(start), deps);
    // The start finds no summary; the outcome uses the summary this process just wrote.
    expect(reads).toEqual([FLOW_SUMMARY_ID]);
    reads.length = 0;
    // Another writer (a second instance, the stalled warning) moves the summary on: the remembered version is stale.
    const summary = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    await store.commit("flow-j", [{ op: "replace", ifMatch: summary._etag, document: { ...summary, _etag: undefined, stalledWarnedAt: fixedNow.toISOString() } }]);
    expect((await runReaction(recordEventInJournal, cancelled(start), deps)).outcome).toBe("handled");
    // The retry reads for real: the entry (still new) and the summary.
    expect(reads).toEqual(["event:ko-1", FLOW_SUMMARY_ID]);
    const after = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    expect(after).toMatchObject({ ended: "failed", stalledWarnedAt: fixedNow.toISOString() });
  });

  it("takes a flow's outcomes that arrive together one at a time: no lost race, no summary read after the start's", async () => {
    const store = createInMemoryStore();
    const reads: string[] = [];
    const conflicts: string[] = [];
    const counting = {
      ...store,
      readDocument: (id: string, pk: string) => (reads.push(id), store.readDocument(id, pk)),
      commit: (pk: string, writes: Parameters<typeof store.commit>[1]) => store.commit(pk, writes).catch((e: Error) => (conflicts.push(e.message), Promise.reject(e))),
    } as typeof store;
    const deps = { store: counting, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, recentWrites: createRecentWrites(), partitionQueue: createKeyedQueue(), backoff: async () => undefined };
    const start = placed();
    await runReaction(recordEventInJournal, start, deps);
    reads.length = 0;
    const outcomes = await Promise.all([confirmed(start), cancelled(start), effect(start, "fx-1")].map((e) => runReaction(recordEventInJournal, e, deps)));
    expect(outcomes.map((o) => o.outcome)).toEqual(["handled", "handled", "handled"]);
    expect(conflicts).toEqual([]);
    expect(reads).toEqual([]);
    expect(await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j")).toMatchObject({ ended: "failed" });
  });

  it("completes the summary when an earlier attempt wrote only the entry (a batch that was not atomic)", async () => {
    const event = placed();
    const store = createInMemoryStore([
      { id: `event:${event.id}`, pk: "flow-j", kind: "journalEntry", event, recordedAt: fixedNow.toISOString() },
    ]);
    await runReaction(recordEventInJournal, event, { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, backoff: async () => undefined });
    expect(await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j")).toMatchObject({ flow: "order", startSeen: true });
  });
});

describe("journal: what an event writes", () => {
  const given = specFor(recordEventInJournal, { ports: ports() });
  const start = placed();
  const entryOf = (event: CloudEventEnvelope) => ({ id: `event:${event.id}`, pk: "flow-j", kind: "journalEntry" });
  const summaryOf = (fields: Partial<FlowSummaryDocument>) => ({ id: FLOW_SUMMARY_ID, pk: "flow-j", kind: "flowSummary", ...fields });
  const stored = { ...summaryOf({}), flow: "order", startedAt: start.time, startSeen: true, ended: null, endedAt: null, lastChangedAt: start.time, ttl: 30 * 86400 } as FlowSummaryDocument;

  it("a middle event: its entry only, even beside a summary", () => given(stored).when(effect(start, "fx-1")).thenPuts(entryOf(effect(start, "fx-1"))));

  it("an outcome before the start: its entry and a summary naming the flow from the outcome's type", () =>
    given().when(confirmed(start)).thenPuts(entryOf(confirmed(start)), summaryOf({ flow: "order", startSeen: false, startedAt: "2026-01-01T00:00:02.000Z", ended: "completed" })));

  it("an outcome after the start: its entry and the summary ended", () =>
    given(stored).when(cancelled(start)).thenPuts(entryOf(cancelled(start)), summaryOf({ startedAt: start.time, ended: "failed", endedAt: "2026-01-01T00:00:03.000Z" })));

  it("a redelivered outcome whose summary took it in: nothing", () => {
    const ended = { ...stored, ended: "completed" as const, endedAt: "2026-01-01T00:00:02.000Z", lastChangedAt: "2026-01-01T00:00:02.000Z" };
    const entry = { ...entryOf(confirmed(start)), event: confirmed(start), recordedAt: fixedNow.toISOString(), ttl: 30 * 86400 };
    return given(ended, entry).when(confirmed(start)).thenNothingHappens();
  });
});
