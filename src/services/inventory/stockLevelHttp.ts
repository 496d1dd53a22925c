import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { z } from "zod";
import { readValid } from "../../platform/documentSchema";
import { ConcurrencyConflictError, NotFoundError } from "../../platform/errors";
import { json, readJsonBody, readParam } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { StockDocument, newStockDocument, stockDocumentId, stockDocumentSchema, stockFields, stockPartition } from "./documents";

export const skuSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1–64 letters, digits, . _ -");
const setStockLevelBody = z.strictObject({ available: z.number().int().min(0).max(1_000_000_000) });

const view = (doc: StockDocument) => ({ sku: doc.sku, available: doc.available, reserved: doc.reserved });
const MAX_ATTEMPTS = 20;

/** PUT /api/inventory/{sku}: sets the units free to reserve; units already reserved for orders stay reserved. */
export const setStockLevel: HttpHandler<unknown> = async (request, { store }) => {
  requireAppRole(request, APP_ROLES.inventoryWrite);
  const sku = readParam("sku", request.params.sku, skuSchema);
  const { available } = await readJsonBody(request, setStockLevelBody);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await readValid(store, stockDocumentSchema, stockDocumentId(sku), stockPartition(sku));
    const next: StockDocument = current ? { ...stockFields(current), available } : newStockDocument(sku, available);
    try {
      await store.commit(stockPartition(sku), [
        current ? { op: "replace", document: next, ifMatch: current._etag } : { op: "create", document: next },
      ]);
      return json(200, view(next));
    } catch (error) {
      // A reservation changed this SKU between our read and write: read again rather than overwrite it.
      if (!(error instanceof ConcurrencyConflictError)) throw error;
    }
  }
  throw new ConcurrencyConflictError(`Stock of ${sku} kept changing; try again`);
};

/** GET /api/inventory/{sku} */
export const getStockLevel: HttpHandler<unknown> = async (request, { store }) => {
  const sku = readParam("sku", request.params.sku, skuSchema);
  const doc = await readValid(store, stockDocumentSchema, stockDocumentId(sku), stockPartition(sku));
  if (!doc) throw new NotFoundError("INVENTORY.SKU_NOT_FOUND", `No stock level is recorded for SKU ${sku}`);
  return json(200, view(doc));
};
