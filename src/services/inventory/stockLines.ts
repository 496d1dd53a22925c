import { ConflictBackoff, retryOnConflict } from "../../platform/conflictBackoff";
import { readValid } from "../../platform/documentSchema";
import { ConcurrencyConflictError } from "../../platform/errors";
import { DocumentStore } from "../../platform/store";
import { Line, holdDocument, holdDocumentId, holdDocumentSchema, stockDocumentId, stockDocumentSchema, stockFields, stockPartition } from "./documents";

// One SKU's side of a reservation: each step is one transactional batch in that SKU's partition (the hold and the
// stock it moves, together), idempotent by the hold, so an attempt or a redelivery may repeat it at any point.

// Attempts per line. Lost races wait up to 10, 20, 40, 80, 160, then 200 ms each (CONFLICT_BACKOFF): a line that loses
// all 24 waits at most 4.1 s, about half that on average. Lines are taken one after another, so an order whose every
// line is that contended still answers within Event Grid's 30 s delivery timeout up to 7 lines, and far within the
// Functions timeout (5 min, host.json); past that Event Grid delivers again while this attempt goes on, which the holds
// make harmless.
const MAX_ATTEMPTS = 25;

export type TakeResult = { readonly taken: true } | { readonly taken: false; readonly available: number };

/**
 * Holds `line.quantity` units of the SKU for the order, unless it holds them already. Not taken: too few units, or the
 * order gave this line back before (its hold is Released, and a released hold is never taken again).
 */
export const takeLine = async (store: DocumentStore, orderId: string, line: Line, backoff: ConflictBackoff): Promise<TakeResult> => {
  const pk = stockPartition(line.sku);
  return retryOnConflict(
    async (attempt) => {
      const stock = await readValid(store, stockDocumentSchema, stockDocumentId(line.sku), pk);
      const available = stock?.available ?? 0;
      // The hold is nearly always new: read it only when the batch refused to create it, or when stock looks short
      // (an earlier attempt may hold these very units).
      if (attempt > 1 || available < line.quantity) {
        const hold = await readValid(store, holdDocumentSchema, holdDocumentId(orderId), pk);
        if (hold) return hold.status === "Held" ? { taken: true } : { taken: false, available };
      }
      if (!stock || available < line.quantity) return { taken: false, available };
      // Refused when another order moved this stock, or another attempt of this order created the hold: read again.
      await store.commit(pk, [
        { op: "create", document: holdDocument(orderId, line, "Held") },
        {
          op: "replace",
          ifMatch: stock._etag,
          document: { ...stockFields(stock), available: stock.available - line.quantity, reserved: stock.reserved + line.quantity },
        },
      ]);
      return { taken: true };
    },
    { maxAttempts: MAX_ATTEMPTS, backoff, gaveUp: () => new ConcurrencyConflictError(`Stock of ${line.sku} kept changing while holding it for order ${orderId}`) },
  );
};

/** Gives the order's units of this SKU back, if it holds any; a hold already Released (or never taken) is left alone. */
export const releaseLine = async (store: DocumentStore, orderId: string, sku: string, backoff: ConflictBackoff): Promise<void> => {
  const pk = stockPartition(sku);
  await retryOnConflict(
    async () => {
      const hold = await readValid(store, holdDocumentSchema, holdDocumentId(orderId), pk);
      if (!hold || hold.status === "Released") return;
      const stock = await readValid(store, stockDocumentSchema, stockDocumentId(sku), pk);
      // Nothing deletes stock, and the hold was written with it: a hold without its stock is a corrupted store.
      if (!stock) throw new Error(`Stock document for ${sku} missing while releasing order ${orderId}`);
      await store.commit(pk, [
        { op: "replace", ifMatch: hold._etag, document: holdDocument(orderId, hold, "Released") },
        {
          op: "replace",
          ifMatch: stock._etag,
          document: { ...stockFields(stock), available: stock.available + hold.quantity, reserved: stock.reserved - hold.quantity },
        },
      ]);
    },
    { maxAttempts: MAX_ATTEMPTS, backoff, gaveUp: () => new ConcurrencyConflictError(`Stock of ${sku} kept changing while releasing it for order ${orderId}`) },
  );
};

/** Takes the lines in SKU order until one cannot be taken; says which could not (at most one: it stops there). */
export const takeLines = async (
  store: DocumentStore,
  orderId: string,
  lines: readonly Line[],
  backoff: ConflictBackoff,
): Promise<readonly { readonly sku: string; readonly requested: number; readonly available: number }[]> => {
  for (const line of lines) {
    const result = await takeLine(store, orderId, line, backoff);
    if (!result.taken) return [{ sku: line.sku, requested: line.quantity, available: result.available }];
  }
  return [];
};

/** Gives back every line the order may hold (in parallel: each is its own partition). */
export const releaseLines = async (store: DocumentStore, orderId: string, lines: readonly Line[], backoff: ConflictBackoff): Promise<void> => {
  await Promise.all(lines.map((line) => releaseLine(store, orderId, line.sku, backoff)));
};
