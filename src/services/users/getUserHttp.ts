import { NotFoundError } from "../../platform/errors";
import { readValid } from "../../platform/documentSchema";
import { json, readParam, routeIdSchema } from "../../platform/http";
import { HttpHandler } from "../../platform/serviceModule";
import { userDocumentId, userView, userDocumentSchema } from "./documents";

/** GET /api/users/{userId} */
export const getUser: HttpHandler<unknown> = async (request, { store }) => {
  const userId = readParam("userId", request.params.userId, routeIdSchema);
  const user = await readValid(store, userDocumentSchema, userDocumentId(userId), userId);
  if (!user) throw new NotFoundError("USER.NOT_FOUND", `User ${userId} does not exist`);
  return json(200, userView(user));
};
