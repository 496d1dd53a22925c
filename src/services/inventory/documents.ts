import { z } from "zod";
import { documentSchema } from "../../platform/documentSchema";

/*
 * Inventory's layout (docs/consistency.md, "Inventory: reserving stock line by line"):
 *
 *   partition `stock:<sku>`     the SKU's stock line, and one hold per order that took units of it
 *   partition `order:<orderId>` the order's reservation: its outcome, decided once, and the deliveries' inbox records
 *
 * No partition is shared by every order: a SKU's partition takes that SKU's orders only, an order's partition one order.
 */

export const stockPartition = (sku: string): string => `stock:${sku}`;
export const orderPartition = (orderId: string): string => `order:${orderId}`;

/**
 * How long holds and reservations are kept after their last write. An order is cancelled only while it is Pending,
 * and every event of its flow is delivered or given up within Event Grid's 24 h retry window (three hops: OrderPlaced,
 * the payment's outcome, OrderCancelled), so after 14 days no delivery can ask about it again; a hold still Held then
 * is a sale, and its units stay counted in `reserved`. Cosmos DB expires them (the local store keeps them).
 */
export const RETENTION_SECONDS = 14 * 24 * 3600;

export const stockDocumentSchema = documentSchema("stock", {
  sku: z.string(),
  /** Units free to reserve. */
  available: z.number(),
  /** Units held for orders that are not cancelled (sold ones included). */
  reserved: z.number(),
});
export type StockDocument = z.infer<typeof stockDocumentSchema>;

export const holdStatusSchema = z.enum(["Held", "Released"]);

/**
 * One order's units of one SKU, in the SKU's partition, written in the same batch as the stock it moves: the record
 * that makes taking and giving back idempotent. A Released hold is never taken again, so a late attempt cannot
 * re-take units an order already gave back.
 */
export const holdDocumentSchema = documentSchema("hold", {
  orderId: z.string(),
  sku: z.string(),
  quantity: z.number(),
  status: holdStatusSchema,
});
export type HoldDocument = z.infer<typeof holdDocumentSchema>;

export const reservationStatusSchema = z.enum(["Reserved", "Rejected", "Released", "CancelledBeforeReservation"]);
export type ReservationStatus = z.infer<typeof reservationStatusSchema>;

/** The order's outcome in inventory, in the order's partition: created once (whoever creates it decides). */
export const reservationDocumentSchema = documentSchema("reservation", {
  orderId: z.string(),
  status: reservationStatusSchema,
  items: z.array(z.object({ sku: z.string(), quantity: z.number() })).readonly(),
  updatedAt: z.string(),
});
export type ReservationDocument = z.infer<typeof reservationDocumentSchema>;

export type Line = { readonly sku: string; readonly quantity: number };

export const stockDocumentId = (sku: string): string => `stock:${sku}`;
export const holdDocumentId = (orderId: string): string => `hold:${orderId}`;
export const reservationDocumentId = (orderId: string): string => `reservation:${orderId}`;

/** One line per SKU (an order may list one SKU twice), in SKU order. */
export const linesOf = (items: readonly Line[]): Line[] => {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
};

export const reservationDocument = (orderId: string, status: ReservationStatus, items: readonly Line[], updatedAt: string): ReservationDocument => ({
  id: reservationDocumentId(orderId),
  pk: orderPartition(orderId),
  kind: "reservation",
  orderId,
  status,
  items: items.map(({ sku, quantity }) => ({ sku, quantity })),
  updatedAt,
  ttl: RETENTION_SECONDS,
});

export const holdDocument = (orderId: string, line: Line, status: HoldDocument["status"]): HoldDocument => ({
  id: holdDocumentId(orderId),
  pk: stockPartition(line.sku),
  kind: "hold",
  orderId,
  sku: line.sku,
  quantity: line.quantity,
  status,
  ttl: RETENTION_SECONDS,
});

/** The stock fields alone (what the stock HTTP handler writes back over a stored document). */
export const stockFields = (doc: StockDocument): StockDocument => ({
  id: doc.id,
  pk: doc.pk,
  kind: "stock",
  sku: doc.sku,
  available: doc.available,
  reserved: doc.reserved,
});

export const newStockDocument = (sku: string, available: number): StockDocument => ({
  id: stockDocumentId(sku),
  pk: stockPartition(sku),
  kind: "stock",
  sku,
  available,
  reserved: 0,
});
