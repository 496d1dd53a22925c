import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { ReservationDocument, linesOf, orderPartition, reservationDocument, reservationDocumentId, reservationDocumentSchema } from "./documents";
import { releaseLines, takeLines } from "./stockLines";

type OrderPlaced = ReactionEvent<"inventory", "reserveStockWhenOrderPlaced">;

export interface ReserveStockState {
  /** The order's outcome, when something decided it already. */
  readonly reservation: ReservationDocument | undefined;
  /** Lines that could not be held (empty: every line is held), when this attempt took lines. */
  readonly shortages: readonly { readonly sku: string; readonly requested: number; readonly available: number }[];
}

/**
 * All items or none. The lines were held one by one in their SKUs' partitions (act); this decides the order's outcome
 * once: the reservation document is created, so of two attempts, or an attempt and a cancellation, one wins. A held
 * line of a rejected order is given back when its OrderCancelled comes, or by this reaction's next attempt when it
 * lost the race (act), never before the outcome is stored: an attempt that reserved would otherwise count a line
 * another attempt had already given back.
 */
export const reserveStock = (event: OrderPlaced, state: ReserveStockState, context: DecisionContext): Decision => {
  const { orderId } = event.data;
  // Reserved, rejected, or cancelled before it got here (the cancellation reported the outcome then).
  if (state.reservation) return nothingToDo;

  const lines = linesOf(event.data.items);
  const updatedAt = context.now.toISOString();
  if (state.shortages.length > 0) {
    return {
      changes: [{ put: reservationDocument(orderId, "Rejected", lines, updatedAt) }],
      publish: [
        {
          type: "Inventory.StockReservationFailed.v1",
          subject: `orders/${orderId}`,
          data: {
            orderId,
            reason: `Insufficient stock for ${state.shortages.map((s) => s.sku).join(", ")}`,
            code: "InsufficientStock",
            shortages: [...state.shortages],
          },
        },
      ],
    };
  }
  return {
    changes: [{ put: reservationDocument(orderId, "Reserved", lines, updatedAt) }],
    publish: [{ type: "Inventory.StockReserved.v1", subject: `orders/${orderId}`, data: { orderId, items: lines } }],
  };
};

export const reserveStockWhenOrderPlaced = defineReaction("inventory", "reserveStockWhenOrderPlaced", {
  partitionKey: (event) => orderPartition(event.data.orderId),
  load: async (event, { read }) => ({
    reservation: await read(reservationDocumentSchema, reservationDocumentId(event.data.orderId), orderPartition(event.data.orderId)),
  }),
  async act(event, { reservation }, { otherPartitions, backoff }): Promise<ReserveStockState> {
    const { orderId } = event.data;
    const lines = linesOf(event.data.items);
    if (!reservation) return { reservation, shortages: await takeLines(otherPartitions, orderId, lines, backoff) };
    // Decided without this attempt's lines (cancelled first, or rejected): give back what an attempt of it held.
    if (reservation.status !== "Reserved") await releaseLines(otherPartitions, orderId, lines, backoff);
    return { reservation, shortages: [] };
  },
  decide: reserveStock,
  tuning: {
    // Not the inbox's shortcut on a lost race ("a record exists: a duplicate, done"): an attempt that lost may have
    // held lines after the winner decided, so it must load the outcome again and give them back (act). The outcome
    // is the record: once stored, decide has nothing to do, and every decision that publishes stores it.
    dedupe: "idempotentState",
    // The reservation is named after the order: nearly always new on a first delivery.
    readHints: [[reservationDocumentSchema, "likelyNew"]],
  },
});
