import { CloudEventEnvelope } from "#src/events/envelope";
import { createRecentWrites, runReaction } from "#src/platform/reactions";
import { createKeyedQueue } from "#src/platform/partitionQueue";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, MAX_FLOW_STEPS, flowSteps } from "#src/services/journal/flowSummary";
import { JournalPorts } from "#src/services/journal/ports";
import { JournalEntryDocument } from "#src/services/journal/documents";
import { recordEventInJournal } from "#src/services/journal/recordEventInJournal";
import { parseJournalSettings } from "#src/services/journal/settings";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const ports = (env: NodeJS.ProcessEnv = {}): JournalPorts => ({
  settings: parseJournalSettings(env),
  flowIndex: { listFlowSummaries: async () => [] },
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
    expect(await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j")).toMatchObject({ ttl: 7 * 86400, flow: "onboarding", eventCount: 1 });
  });

  it("defaults to 30 days and refuses a TTL setting that is not a whole number of days", () => {
    expect(parseJournalSettings({}).entryTtlSeconds).toBe(30 * 86400);
    expect(() => parseJournalSettings({ JOURNAL_TTL_DAYS: "-1" })).toThrow(/JOURNAL_TTL_DAYS/);
    expect(() => parseJournalSettings({ FLOW_DEADLINE_ORDER_MS: "soon" })).toThrow(/FLOW_DEADLINE_ORDER_MS/);
  });

  it("keeps every event of a flow in its summary when many arrive at once (ETag races are re-read, never overwritten)", async () => {
    const store = createInMemoryStore();
    const start = placed();
    const effects = Array.from({ length: 12 }, (_, i) => effect(start, `fx-${i}`));
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, backoff: async () => undefined };
    const reads = jest.spyOn(store, "readDocument");
    await Promise.all([start, ...effects].map((e) => runReaction(recordEventInJournal, e, deps)));
    // The races were lost and re-read; the journal keeps no inbox records, so none was looked for.
    expect(store.commits.length).toBeLessThan(reads.mock.calls.length);
    expect(reads.mock.calls.filter(([id]) => id.startsWith("inbox:"))).toEqual([]);
    const summary = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    expect(summary.eventCount).toBe(13);
    expect(flowSteps(summary).map((s) => s.id).sort()).toEqual([start.id, ...effects.map((e) => e.id)].sort());
    expect(store.all().filter((d) => d.kind === "journalEntry")).toHaveLength(13);
  });

  it("counts a redelivered event once", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow };
    const event = placed();
    await runReaction(recordEventInJournal, event, deps);
    expect((await runReaction(recordEventInJournal, event, deps)).outcome).toBe("duplicate");
    expect((await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!.eventCount).toBe(1);
  });

  it("records an event in one batch of its entry and summary, with no inbox record, and writes nothing on a redelivery", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow };
    const event = placed();
    await runReaction(recordEventInJournal, event, deps);
    await runReaction(recordEventInJournal, structuredClone(event), deps);
    expect(store.commits).toHaveLength(1);
    expect(store.all().map((d) => d.kind).sort()).toEqual(["flowSummary", "journalEntry"]);
  });

  it("reads only the flow's summary for its later events: an event the summary does not list has no entry yet", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow };
    const start = placed();
    await runReaction(recordEventInJournal, start, deps);
    const reads: string[] = [];
    const counting = { ...store, readDocument: (id: string, pk: string) => (reads.push(id), store.readDocument(id, pk)) } as typeof store;
    const next = effect(start, "fx-1");
    expect((await runReaction(recordEventInJournal, next, { ...deps, store: counting })).outcome).toBe("handled");
    expect(reads).toEqual([FLOW_SUMMARY_ID]);
    expect(await store.readDocument(`event:${next.id}`, "flow-j")).toMatchObject({ kind: "journalEntry" });
    // And its redelivery is known from the summary alone.
    reads.length = 0;
    expect((await runReaction(recordEventInJournal, structuredClone(next), { ...deps, store: counting })).outcome).toBe("duplicate");
    expect(reads).toEqual([FLOW_SUMMARY_ID]);
  });

  it("with the process's memory of what it wrote, reads no summary for a flow's later events, and reads it after a stale one conflicts", async () => {
    const store = createInMemoryStore();
    const reads: string[] = [];
    const counting = { ...store, readDocument: (id: string, pk: string) => (reads.push(id), store.readDocument(id, pk)) } as typeof store;
    const deps = { store: counting, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, recentWrites: createRecentWrites(), backoff: async () => undefined };
    const start = placed();
    await runReaction(recordEventInJournal, start, deps);
    await runReaction(recordEventInJournal, effect(start, "fx-1"), deps);
    await runReaction(recordEventInJournal, structuredClone(effect(start, "fx-1")), deps);
    // The first event finds no summary; the later ones (a redelivery too) use the summary this process just wrote.
    expect(reads).toEqual([FLOW_SUMMARY_ID]);
    reads.length = 0;
    // Another writer (a second instance, the stalled warning) moves the summary on: the remembered version is stale.
    const summary = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    await store.commit("flow-j", [{ op: "replace", ifMatch: summary._etag, document: { ...summary, _etag: undefined, stalledWarnedAt: fixedNow.toISOString() } }]);
    expect((await runReaction(recordEventInJournal, effect(start, "fx-2"), deps)).outcome).toBe("handled");
    expect(reads).toEqual([FLOW_SUMMARY_ID]);
    const after = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    expect(flowSteps(after).map((s) => s.id)).toEqual([start.id, "fx-1", "fx-2"]);
    expect(after.stalledWarnedAt).toBe(fixedNow.toISOString());
  });

  it("takes a flow's events that arrive together one at a time: no lost race, no summary read after the first", async () => {
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
    const outcomes = await Promise.all(["fx-1", "fx-2", "fx-3"].map((id) => runReaction(recordEventInJournal, effect(start, id), deps)));
    expect(outcomes.map((o) => o.outcome)).toEqual(["handled", "handled", "handled"]);
    expect(conflicts).toEqual([]);
    expect(reads).toEqual([]);
    const summary = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    expect(flowSteps(summary).map((s) => s.id)).toEqual([start.id, "fx-1", "fx-2", "fx-3"]);
  });

  it("completes the summary when an earlier attempt wrote only the entry (a batch that was not atomic)", async () => {
    const event = placed();
    const store = createInMemoryStore([
      { id: `event:${event.id}`, pk: "flow-j", kind: "journalEntry", event, recordedAt: fixedNow.toISOString() },
    ]);
    await runReaction(recordEventInJournal, event, { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow });
    const summary = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j")) as FlowSummaryDocument;
    expect(flowSteps(summary).map((s) => s.id)).toEqual([event.id]);
  });
});

describe("journal: a flow past its summary's step cap", () => {
  it("counts a redelivered event once: its entry is the record once the summary no longer lists new steps", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: ports(), clock: () => fixedNow, backoff: async () => undefined };
    const start = placed();
    await runReaction(recordEventInJournal, start, deps);
    const summary = (await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!;
    const steps = Array.from({ length: MAX_FLOW_STEPS }, (_, i) => [`old-${i}`, "Inventory.StockReserved.v1", start.id]);
    await store.commit("flow-j", [{ op: "replace", ifMatch: summary._etag, document: { ...summary, _etag: undefined, steps, eventCount: MAX_FLOW_STEPS } }]);

    const late = effect(start, "fx-late");
    expect((await runReaction(recordEventInJournal, late, deps)).outcome).toBe("handled");
    expect((await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!.eventCount).toBe(MAX_FLOW_STEPS + 1);
    await runReaction(recordEventInJournal, structuredClone(late), deps);
    expect((await store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, "flow-j"))!.eventCount).toBe(MAX_FLOW_STEPS + 1);
  });
});
