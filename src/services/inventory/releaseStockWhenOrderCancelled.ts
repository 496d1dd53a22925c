import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { ReservationDocument, orderPartition, reservationDocument, reservationDocumentId, reservationDocumentSchema } from "./documents";
import { releaseLines } from "./stockLines";

type OrderCancelled = ReactionEvent<"inventory", "releaseStockWhenOrderCancelled">;

export interface ReleaseStockState {
  readonly reservation: ReservationDocument | undefined;
}

/**
 * Reports the release of a reserved order (act gave each line back first). A cancellation that overtakes its
 * OrderPlaced decides the order's outcome itself, so no reservation is made later (a late attempt that held lines
 * gives them back), and reports the inventory outcome at once (nothing reserved, ever), so the order still settles.
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
    changes: [{ put: reservationDocument(orderId, "Released", reservation.items, updatedAt) }],
    publish: [{ type: "Inventory.StockReleased.v1", subject: `orders/${orderId}`, data: { orderId, items: [...reservation.items] } }],
  };
};

export const releaseStockWhenOrderCancelled = defineReaction("inventory", "releaseStockWhenOrderCancelled", {
  partitionKey: (event) => orderPartition(event.data.orderId),
  load: async (event, { read }) => ({
    reservation: await read(reservationDocumentSchema, reservationDocumentId(event.data.orderId), orderPartition(event.data.orderId)),
  }),
  async act(event, { reservation }, { otherPartitions, backoff }): Promise<ReleaseStockState> {
    // Reserved: give every line back before reporting it. Rejected: lines held before the shortage was found wait
    // for this cancellation. Released: a crash may have come between a line and the report; repeating is harmless.
    if (reservation && reservation.status !== "CancelledBeforeReservation") {
      await releaseLines(otherPartitions, event.data.orderId, reservation.items, backoff);
    }
    return { reservation };
  },
  decide: releaseStock,
});
