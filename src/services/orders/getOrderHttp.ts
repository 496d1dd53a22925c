import { NotFoundError } from "../../platform/errors";
import { readValid } from "../../platform/documentSchema";
import { json, readParam, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { orderDocumentId, orderView, orderDocumentSchema } from "./documents";

/** GET /api/orders/{orderId} */
export const getOrder: HttpHandler<unknown> = async (request, { store }) => {
  const orderId = readParam("orderId", request.params.orderId, routeIdSchema);
  const order = await readValid(store, orderDocumentSchema, orderDocumentId(orderId), orderId);
  if (!order) throw new NotFoundError("ORDER.NOT_FOUND", `Order ${orderId} does not exist`);
  return json(200, orderView(order));
};
