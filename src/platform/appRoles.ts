import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import { AppError } from "./errors";

/**
 * App roles from App Service authentication. In Azure, authsettingsV2 validates the caller's Entra ID token before the
 * function runs and hands the code its claims in `x-ms-client-principal` (base64 JSON), replacing any such header a
 * client sent. The app setting APP_ROLES_ENFORCED=true (set by infra/modules/function-app.bicep) turns the checks on;
 * locally it is absent and every endpoint stays open.
 */
export const CLIENT_PRINCIPAL_HEADER = "x-ms-client-principal";

/**
 * The API's app roles (values of the app registration's `appRoles`, infra/README.md). Issuer and audience checks alone
 * admit every principal of the tenant, so each write route and the flows endpoints require one of these.
 */
export const APP_ROLES = {
  flowsRead: "Flows.Read",
  ordersWrite: "Orders.Write",
  inventoryWrite: "Inventory.Write",
  usersWrite: "Users.Write",
  walletsWrite: "Wallets.Write",
} as const;

export type AppRole = (typeof APP_ROLES)[keyof typeof APP_ROLES];

const clientPrincipalSchema = z.object({
  auth_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })).max(500),
});

export type ClientPrincipal = z.infer<typeof clientPrincipalSchema>;

export const parseClientPrincipal = (header: string | null | undefined): ClientPrincipal | undefined => {
  if (!header || header.length > 64 * 1024) return undefined;
  try {
    const parsed = clientPrincipalSchema.safeParse(JSON.parse(Buffer.from(header, "base64").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/** Entra ID puts app roles in `roles`; App Service may also name the claim by the principal's `role_typ`. */
export const appRolesOf = (principal: ClientPrincipal): string[] =>
  principal.claims.filter((c) => c.typ === "roles" || (principal.role_typ !== undefined && c.typ === principal.role_typ)).map((c) => c.val);

const isTrue = (value: string | undefined): boolean => value?.trim().toLowerCase() === "true";

/** Throws 401 without an authenticated caller and 403 without `role`, when roles are enforced (Azure); else a no-op. */
export const requireAppRole = (request: HttpRequest, role: AppRole, env: NodeJS.ProcessEnv = process.env): void => {
  if (!isTrue(env.APP_ROLES_ENFORCED)) return;
  // The platform sets WEBSITE_AUTH_ENABLED when authentication runs in front of the app; without it nothing strips a
  // client-sent x-ms-client-principal, so no header is trusted (fail closed).
  const principal = isTrue(env.WEBSITE_AUTH_ENABLED) ? parseClientPrincipal(request.headers.get(CLIENT_PRINCIPAL_HEADER)) : undefined;
  if (!principal) throw new AppError("AUTH.UNAUTHENTICATED", 401, "This endpoint needs an authenticated caller");
  if (!appRolesOf(principal).includes(role)) {
    throw new AppError("AUTH.FORBIDDEN", 403, `This endpoint needs the ${role} app role`, { requiredRole: role });
  }
};
