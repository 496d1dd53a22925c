import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import {
  ReservationDocument,
  STOCK_PARTITION,
  StockDocument,
  loadStock,
  reservationDocument,
  reservationDocumentId,
  reservationDocumentSchema,
} from "./documents";

type OrderCancelled = ReactionEvent<"inventory", "releaseStockWhenOrderCancelled">;

export interface ReleaseStockState {
  readonly reservation: ReservationDocument | undefined;
  readonly stock: ReadonlyMap<string, StockDocument>;
}

/**
 * Gives reserved units back. A cancellation that overtakes its OrderPlaced leaves a marker, so nothing is reserved
 * later, and reports the inventory outcome at once (nothing reserved, ever), so the order still settles.
 */
export const releaseStock = (event: OrderCancelled, state: ReleaseStockState, context: DecisionContext): Decision => {
  const { orderId } = event.data;
  const updatedAt = context.now.toISOString();
  const { reservation } = state;
  if (!reservation) {
    return {
      changes: [{ put: reservationDocument(orderId, "CancelledBeforeReservation", [], updatedAt) }],
      publish: [
        {
          type: "Inventory.StockReservationFailed.v1",
          subject: `orders/${orderId}`,
          data: { orderId, reason: "Not reserved: the order was already cancelled", code: "OrderAlreadyCancelled", shortages: [] },
        },
      ],
    };
  }
  if (reservation.status !== "Reserved") return nothingToDo;
  return {
    changes: [
      ...reservation.items.map(({ sku, quantity }) => {
        const current = state.stock.get(sku);
        // A reserved SKU's stock document cannot vanish (nothing deletes stock), so this is a corrupted store.
        if (!current) throw new Error(`Stock document for ${sku} missing while releasing order ${orderId}`);
        return { put: { ...current, available: current.available + quantity, reserved: current.reserved - quantity } };
      }),
      { put: reservationDocument(orderId, "Released", reservation.items, updatedAt) },
    ],
    publish: [
      { type: "Inventory.StockReleased.v1", subject: `orders/${orderId}`, data: { orderId, items: [...reservation.items] } },
    ],
  };
};

export const releaseStockWhenOrderCancelled = defineReaction("inventory", "releaseStockWhenOrderCancelled", {
  partitionKey: () => STOCK_PARTITION,
  async load(event, { read }) {
    const reservation = await read(reservationDocumentSchema, reservationDocumentId(event.data.orderId), STOCK_PARTITION);
    const stock = reservation?.status === "Reserved" ? await loadStock(read, reservation.items.map((i) => i.sku)) : new Map<string, StockDocument>();
    return { reservation, stock };
  },
  decide: releaseStock,
});
