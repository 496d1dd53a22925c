import { z } from "zod";
import { documentSchema } from "../../platform/documentSchema";
import { Reads } from "../../platform/reactions";

/**
 * All stock lives in one logical partition so that reserving several SKUs is one transactional batch with an ETag
 * per SKU: all items or none, never oversold. The price is one partition's ceiling (20 GB, 10,000 RU/s); a larger
 * catalogue would partition by warehouse and reserve per warehouse.
 */
export const STOCK_PARTITION = "stock";

export const stockDocumentSchema = documentSchema("stock", {
  sku: z.string(),
  /** Units free to reserve. */
  available: z.number(),
  /** Units held for orders that are not cancelled. */
  reserved: z.number(),
});
export type StockDocument = z.infer<typeof stockDocumentSchema>;

export const reservationStatusSchema = z.enum(["Reserved", "Rejected", "Released", "CancelledBeforeReservation"]);
export type ReservationStatus = z.infer<typeof reservationStatusSchema>;

export const reservationDocumentSchema = documentSchema("reservation", {
  orderId: z.string(),
  status: reservationStatusSchema,
  items: z.array(z.object({ sku: z.string(), quantity: z.number() })).readonly(),
  updatedAt: z.string(),
});
export type ReservationDocument = z.infer<typeof reservationDocumentSchema>;

export const stockDocumentId = (sku: string): string => `stock:${sku}`;
export const reservationDocumentId = (orderId: string): string => `reservation:${orderId}`;

/** Sums quantities per SKU: an order may list one SKU twice. */
export const quantitiesBySku = (items: readonly { sku: string; quantity: number }[]): Map<string, number> => {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return totals;
};

export const reservationDocument = (
  orderId: string,
  status: ReservationStatus,
  items: ReservationDocument["items"],
  updatedAt: string,
): ReservationDocument => ({
  id: reservationDocumentId(orderId),
  pk: STOCK_PARTITION,
  kind: "reservation",
  orderId,
  status,
  items,
  updatedAt,
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

/** The stock of these SKUs (those that have any), read through a reaction's session. */
export const loadStock = async (read: Reads["read"], skus: Iterable<string>): Promise<Map<string, StockDocument>> => {
  const entries = await Promise.all(
    [...skus].map(async (sku) => [sku, await read(stockDocumentSchema, stockDocumentId(sku), STOCK_PARTITION)] as const),
  );
  return new Map(entries.filter((e): e is readonly [string, StockDocument] => e[1] !== undefined));
};
