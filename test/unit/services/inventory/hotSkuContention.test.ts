import { seededRandom } from "@azure-choreography/server-kit";
import { ConflictBackoff, conflictBackoff } from "#src/platform/conflictBackoff";
import { ConcurrencyConflictError } from "#src/platform/errors";
import { DocumentStore } from "#src/platform/store";
import { StockDocument, newStockDocument } from "#src/services/inventory/documents";
import { takeLine } from "#src/services/inventory/stockLines";
import { createInMemoryStore } from "../../../support/inMemoryStore";

/*
 * N orders reach one hot SKU at once (a flash sale: Event Grid delivers a burst, the Functions host runs the deliveries
 * concurrently). Time is virtual: a point read takes READ_MS and a batch BATCH_MS of it, a backoff's wait takes what it
 * asks, and the world jumps from one wake-up to the next, so nothing really waits and a seed replays exactly. What the
 * test compares is work done (reads, refused batches: each charged RU in Cosmos DB) and deliveries that gave up.
 */

const READ_MS = 3;
const BATCH_MS = 6;

/** A virtual clock: `after(ms)` resolves when the world reaches that time; ties wake in the order they were asked. */
const virtualClock = () => {
  const timers: { at: number; order: number; wake: () => void }[] = [];
  let now = 0;
  let order = 0;
  return {
    after: (ms: number) => new Promise<void>((wake) => timers.push({ at: now + ms, order: order++, wake })),
    now: () => now,
    async runUntilIdle() {
      for (;;) {
        // Let every task run until it waits on the clock again.
        await new Promise((resolve) => setImmediate(resolve));
        if (timers.length === 0) return;
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers.shift()!;
        now = next.at;
        next.wake();
      }
    },
  };
};

const hotSkuBurst = async (takers: number, backoffFor: (clock: ReturnType<typeof virtualClock>) => ConflictBackoff) => {
  const clock = virtualClock();
  const base = createInMemoryStore([newStockDocument("HOT", 1000)]);
  const counts = { reads: 0, batches: 0, refusedBatches: 0, taken: 0, gaveUp: 0, elapsedMs: 0 };
  // Each operation sees and changes the partition when it completes, as a round trip to Cosmos DB would.
  const store: DocumentStore = {
    async readDocument(id, pk, options) {
      await clock.after(READ_MS);
      counts.reads++;
      return base.readDocument(id, pk, options);
    },
    queryDocuments: (pk, where, parameters, options) => base.queryDocuments(pk, where, parameters, options),
    async commit(pk, writes, options) {
      await clock.after(BATCH_MS);
      counts.batches++;
      try {
        return await base.commit(pk, writes, options);
      } catch (error) {
        if (error instanceof ConcurrencyConflictError) counts.refusedBatches++;
        throw error;
      }
    },
  };
  const backoff = backoffFor(clock);
  const deliveries = Array.from({ length: takers }, async (_, i) => {
    try {
      if ((await takeLine(store, `o-${i}`, { sku: "HOT", quantity: 1 }, backoff)).taken) counts.taken++;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
      counts.gaveUp++;
    }
  });
  await clock.runUntilIdle();
  await Promise.all(deliveries);
  counts.elapsedMs = clock.now();
  const stock = base.all().find((d) => d.id === "stock:HOT") as unknown as StockDocument;
  // Whatever the schedule, never more taken than moved, nor anything lost.
  expect({ available: stock.available, reserved: stock.reserved }).toEqual({ available: 1000 - counts.taken, reserved: counts.taken });
  return counts;
};

const retryAtOnce = (): ConflictBackoff => async () => undefined;
const withBackoff = (seed: number) => (clock: ReturnType<typeof virtualClock>) => conflictBackoff({ sleep: clock.after, random: seededRandom(seed) });

describe("inventory: N orders racing for one hot SKU", () => {
  it("without backoff, every round one wins and the rest fail their batch at once: N(N-1)/2 refused batches for N takers", async () => {
    // The world the backoff is measured against: checks the simulation itself loses races the way the docs say.
    const counts = await hotSkuBurst(10, retryAtOnce);
    expect(counts).toMatchObject({ taken: 10, gaveUp: 0, refusedBatches: 45 });
  });

  it.each([10, 20, 40])("with backoff, %i concurrent takers refuse fewer batches and read less than retrying at once", async (takers) => {
    const atOnce = await hotSkuBurst(takers, retryAtOnce);
    for (const seed of [1, 2, 3]) {
      const backedOff = await hotSkuBurst(takers, withBackoff(seed));
      expect({ seed, taken: backedOff.taken, gaveUp: backedOff.gaveUp }).toEqual({ seed, taken: takers, gaveUp: 0 });
      expect(backedOff.refusedBatches).toBeLessThan(atOnce.refusedBatches);
      expect(backedOff.reads).toBeLessThan(atOnce.reads);
    }
  });

  it("40 takers at once: retrying at once runs out of attempts (deliveries fail and wait for Event Grid), backing off does not", async () => {
    // Retrying at once, the k-th winner needs k attempts: takers 26 to 40 lose all 25 of theirs.
    expect(await hotSkuBurst(40, retryAtOnce)).toMatchObject({ taken: 25, gaveUp: 15 });
    expect(await hotSkuBurst(40, withBackoff(7))).toMatchObject({ taken: 40, gaveUp: 0 });
  });

  it("one SKU takes at most one reservation per read + batch round trip; backing off, 80 takers drain at over half that rate", async () => {
    // The ETag chain: each winner's read must follow the previous winner's batch, so N takes need N round trips.
    const roundTripMs = READ_MS + BATCH_MS;
    for (const seed of [1, 2, 3]) {
      const { taken, gaveUp, elapsedMs } = await hotSkuBurst(80, withBackoff(seed));
      expect({ seed, taken, gaveUp }).toEqual({ seed, taken: 80, gaveUp: 0 });
      expect(elapsedMs).toBeGreaterThanOrEqual(80 * roundTripMs);
      expect(elapsedMs).toBeLessThan(2 * 80 * roundTripMs);
    }
  });
});
