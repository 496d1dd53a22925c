import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import {
  ReservationDocument,
  STOCK_PARTITION,
  StockDocument,
  loadStock,
  quantitiesBySku,
  reservationDocument,
  reservationDocumentId,
  reservationDocumentSchema,
} from "./documents";

type OrderPlaced = ReactionEvent<"inventory", "reserveStockWhenOrderPlaced">;

export interface ReserveStockState {
  readonly reservation: ReservationDocument | undefined;
  readonly stock: ReadonlyMap<string, StockDocument>;
}

/** All items or none: any shortage rejects the whole order and touches no stock. */
export const reserveStock = (event: OrderPlaced, state: ReserveStockState, context: DecisionContext): Decision => {
  const { orderId } = event.data;
  // Already reserved, rejected, or the order was cancelled before it got here (the cancellation reported the
  // outcome then): nothing left to decide.
  if (state.reservation) return nothingToDo;

  const wanted = quantitiesBySku(event.data.items);
  const shortages = [...wanted].flatMap(([sku, requested]) => {
    const available = state.stock.get(sku)?.available ?? 0;
    return available < requested ? [{ sku, requested, available }] : [];
  });
  const items = [...wanted].map(([sku, quantity]) => ({ sku, quantity }));
  const updatedAt = context.now.toISOString();

  if (shortages.length > 0) {
    return {
      changes: [
        { put: reservationDocument(orderId, "Rejected", items, updatedAt) },
      ],
      publish: [
        {
          type: "Inventory.StockReservationFailed.v1",
          subject: `orders/${orderId}`,
          data: { orderId, reason: `Insufficient stock for ${shortages.map((s) => s.sku).join(", ")}`, code: "InsufficientStock", shortages },
        },
      ],
    };
  }

  const stockChanges = items.map(({ sku, quantity }) => {
    const current = state.stock.get(sku)!;
    return { put: { ...current, available: current.available - quantity, reserved: current.reserved + quantity } };
  });
  return {
    changes: [...stockChanges, { put: reservationDocument(orderId, "Reserved", items, updatedAt) }],
    publish: [{ type: "Inventory.StockReserved.v1", subject: `orders/${orderId}`, data: { orderId, items } }],
  };
};

export const reserveStockWhenOrderPlaced = defineReaction("inventory", "reserveStockWhenOrderPlaced", {
  partitionKey: () => STOCK_PARTITION,
  async load(event, { read }) {
    const [reservation, stock] = await Promise.all([
      read(reservationDocumentSchema, reservationDocumentId(event.data.orderId), STOCK_PARTITION),
      loadStock(read, quantitiesBySku(event.data.items).keys()),
    ]);
    return { reservation, stock };
  },
  decide: reserveStock,
  // The reservation is named after the order: nearly always new on a first delivery.
  tuning: { readHints: [[reservationDocumentSchema, "likelyNew"]] },
});
