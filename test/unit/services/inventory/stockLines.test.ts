import { CONFLICT_BACKOFF, conflictBackoff, worstCaseConflictWaitInMs } from "#src/platform/conflictBackoff";
import { ConcurrencyConflictError, TransientError } from "#src/platform/errors";
import { DocumentStore, StoredDocument } from "#src/platform/store";
import { holdDocument, newStockDocument } from "#src/services/inventory/documents";
import { runReaction } from "#src/platform/reactions";
import { reserveStockWhenOrderPlaced } from "#src/services/inventory/reserveStockWhenOrderPlaced";
import { releaseLine, takeLine } from "#src/services/inventory/stockLines";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

/**
 * A SKU's partition whose next `conflicts` batches lose an ETag race, and a backoff whose sleep only writes down what
 * it was asked to wait: the log shows every read, batch and wait in order, and nothing really sleeps.
 */
const racedStock = (
  { conflicts, failWith, initial = [newStockDocument("A", 10)] }: { conflicts: number; failWith?: Error; initial?: StoredDocument[] },
  random = () => 0.999,
) => {
  const base = createInMemoryStore(initial);
  const log: string[] = [];
  const waits: number[] = [];
  let conflictsLeft = conflicts;
  const store: DocumentStore = {
    readDocument: (id, pk, options) => (log.push(`read ${id}`), base.readDocument(id, pk, options)),
    queryDocuments: (pk, where, parameters, options) => base.queryDocuments(pk, where, parameters, options),
    async commit(pk, writes, options) {
      log.push("batch");
      if (failWith) throw failWith;
      if (conflictsLeft-- > 0) throw new ConcurrencyConflictError(`412 stock:A (race ${conflicts - conflictsLeft})`);
      return base.commit(pk, writes, options);
    },
  };
  const sleep = async (ms: number) => {
    log.push("wait");
    waits.push(ms);
  };
  return { base, store, log, waits, backoff: conflictBackoff({ sleep, random }) };
};

const stockA = (base: ReturnType<typeof createInMemoryStore>) => base.all().find((d) => d.id === "stock:A") as unknown as { available: number; reserved: number };

describe("inventory: a stock line's ETag races back off before reading again", () => {
  it("takes the line at once when nothing races it: no wait at all", async () => {
    const { store, log, waits, backoff } = racedStock({ conflicts: 0 });
    await expect(takeLine(store, "o-1", { sku: "A", quantity: 2 }, backoff)).resolves.toEqual({ taken: true });
    expect(log).toEqual(["read stock:A", "batch"]);
    expect(waits).toEqual([]);
  });

  it("after k lost races, waits k times, in windows that double from 10 ms and stop at the 200 ms cap; the first attempt never waits", async () => {
    const { base, store, log, waits, backoff } = racedStock({ conflicts: 8 });
    await expect(takeLine(store, "o-1", { sku: "A", quantity: 2 }, backoff)).resolves.toEqual({ taken: true });

    // random() just under 1: each wait is (just under) its window's ceiling.
    expect(waits.map(Math.round)).toEqual([10, 20, 40, 80, 160, 200, 200, 200]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(CONFLICT_BACKOFF.maxDelayInMs);
    expect(log.indexOf("batch")).toBeLessThan(log.indexOf("wait"));
    // Each retry reads the stock again (and the hold, which the lost batch may have been this order's own).
    expect(log.slice(0, 7)).toEqual(["read stock:A", "batch", "wait", "read stock:A", "read hold:o-1", "batch", "wait"]);
    expect(stockA(base)).toMatchObject({ available: 8, reserved: 2 });
  });

  it("waits a random share of the window (full jitter): what the injected random draws, times the ceiling", async () => {
    const draws = [0.5, 0.25, 0];
    const { store, waits, backoff } = racedStock({ conflicts: 3 }, () => draws.shift() ?? 0);
    await takeLine(store, "o-1", { sku: "A", quantity: 1 }, backoff);
    expect(waits).toEqual([5, 5, 0]);
  });

  it("does not retry what is not a race: a store failure is thrown at once, after one batch and no wait", async () => {
    const { store, log, waits, backoff } = racedStock({ conflicts: 0, failWith: new TransientError("Cosmos DB unavailable") });
    await expect(takeLine(store, "o-1", { sku: "A", quantity: 1 }, backoff)).rejects.toThrow(TransientError);
    expect(log.filter((entry) => entry === "batch")).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("gives up after 25 attempts (24 waits, 4.1 s at most in all: well inside Event Grid's 30 s), so Event Grid redelivers", async () => {
    const { store, log, waits, backoff } = racedStock({ conflicts: 1000 });
    await expect(takeLine(store, "o-1", { sku: "A", quantity: 1 }, backoff)).rejects.toThrow(/kept changing/);
    expect(log.filter((entry) => entry === "batch")).toHaveLength(25);
    expect(waits).toHaveLength(24);
    const waited = waits.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeLessThanOrEqual(worstCaseConflictWaitInMs(25));
    expect(worstCaseConflictWaitInMs(25)).toBe(4110);
  });

  it("a release backs off the same way, and a release that finds nothing held neither writes nor waits", async () => {
    const held = { ...newStockDocument("A", 7), reserved: 3 };
    const { base, store, waits, backoff } = racedStock({ conflicts: 2, initial: [held, holdDocument("o-1", { sku: "A", quantity: 3 }, "Held")] });
    await releaseLine(store, "o-1", "A", backoff);
    expect(waits.map(Math.round)).toEqual([10, 20]);
    expect(stockA(base)).toMatchObject({ available: 10, reserved: 0 });

    const untouched = racedStock({ conflicts: 0 });
    await releaseLine(untouched.store, "o-2", "A", untouched.backoff);
    expect({ log: untouched.log, waits: untouched.waits }).toEqual({ log: ["read hold:o-2"], waits: [] });
  });

  it("the reaction's lines wait with the backoff the runner was given (so a test's scheduler, never a real timer, decides)", async () => {
    const { store, log } = racedStock({ conflicts: 2 });
    const failures: number[] = [];
    const placed = anEvent("Orders.OrderPlaced.v2", {
      orderId: "o-1", customerId: "c-1", currency: "EUR", total: 1, paymentMethodId: A_PAYMENT_METHOD_ID, items: [{ sku: "A", quantity: 1, unitPrice: 1 }],
    });
    const backoff = async (failedAttempts: number) => void failures.push(failedAttempts);
    const outcome = await runReaction(reserveStockWhenOrderPlaced, placed, { store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, backoff });
    expect(outcome).toMatchObject({ outcome: "handled" });
    expect(failures).toEqual([1, 2]);
    expect(log.filter((entry) => entry === "wait")).toEqual([]);
  });
});
