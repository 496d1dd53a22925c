import { HttpRequest, InvocationContext } from "@azure/functions";
import type { HttpHandler, HttpResponseInit } from "@azure/functions";
import { APP_ROLES, CLIENT_PRINCIPAL_HEADER } from "#src/platform/appRoles";
import { registerServices } from "#src/platform/registerServices";
import { serviceModules } from "#src/services";
import { functionNameOf, manifest, serviceNames, services } from "#src/topology";
import { A_FUNDING_SOURCE_ID, A_PAYMENT_METHOD_ID, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

/**
 * In Azure App Service authentication admits any principal of the tenant with a token for the API; what keeps an
 * arbitrary user or service principal from placing orders is the app role each write route requires. Every route of
 * the manifest that is not a GET is checked, so a new write route without a role fails here.
 */
const writeRoutes = serviceNames.flatMap((service) =>
  services[service].http.filter((r) => r.methods.some((m) => m !== "GET")).map((r) => ({ service, route: r, functionName: functionNameOf(service, r.name) })),
);

/** A well-formed request per write route; a route missing here fails the test rather than being skipped. */
const bodies: Record<string, { params: Record<string, string>; body: unknown }> = {
  "orders-placeOrder": {
    params: {},
    body: { customerId: "c-1", items: [{ sku: "SKU-1", quantity: 1, unitPrice: 1 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID },
  },
  "payments-registerPaymentMethod": { params: {}, body: { customerId: "c-1", paymentToken: "tok_visa" } },
  "banking-registerFundingSource": { params: {}, body: { walletId: "w-1", bankToken: "bank_ok" } },
  "inventory-setStockLevel": { params: { sku: "SKU-1" }, body: { available: 3 } },
  "users-signUpUser": { params: {}, body: { email: "ada@example.com", name: "Ada" } },
  "ledger-initiateTopUp": { params: { walletId: "w-1" }, body: { amount: 10, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID } },
};

const principal = (roles: readonly string[]): string =>
  Buffer.from(JSON.stringify({ auth_typ: "aad", claims: roles.map((val) => ({ typ: "roles", val })) })).toString("base64");

const handlers = new Map<string, HttpHandler>();
const saved = { APP_ROLES_ENFORCED: process.env.APP_ROLES_ENFORCED, WEBSITE_AUTH_ENABLED: process.env.WEBSITE_AUTH_ENABLED };

beforeAll(() => {
  // What function-app.bicep (APP_ROLES_ENFORCED) and the platform (WEBSITE_AUTH_ENABLED) set with authentication on.
  process.env.APP_ROLES_ENFORCED = "true";
  process.env.WEBSITE_AUTH_ENABLED = "True";
  const record = (name: string, options: { handler: HttpHandler }) => void handlers.set(name, options.handler);
  const app = { http: record, eventGrid: () => undefined, timer: () => undefined } as never;
  const store = createInMemoryStore();
  let n = 0;
  const runtime = (service: string) => ({ service, store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, ids: { newId: () => `id-${++n}` } }) as never;
  registerServices(app, manifest, serviceNames, serviceModules, runtime);
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const call = async (functionName: string, roles: readonly string[] | undefined): Promise<HttpResponseInit & { code?: string }> => {
  const spec = bodies[functionName];
  if (!spec) throw new Error(`${functionName}: add a well-formed request for this write route to the table`);
  const request = new HttpRequest({
    method: "POST",
    url: `https://func.example/api/${functionName}`,
    params: spec.params,
    headers: { "content-type": "application/json", ...(roles ? { [CLIENT_PRINCIPAL_HEADER]: principal(roles) } : {}) },
    body: { string: JSON.stringify(spec.body) },
  });
  // registerServices' handlers return the init object a handler built (problemFromError included), never an HttpResponse.
  const response = (await handlers.get(functionName)!(request, new InvocationContext({ functionName, logHandler: () => undefined }))) as HttpResponseInit;
  const body = (response.jsonBody ?? (typeof response.body === "string" ? JSON.parse(response.body) : {})) as { code?: unknown };
  return { ...response, code: typeof body.code === "string" ? body.code : undefined };
};

describe("write routes with App Service authentication on", () => {
  it("covers every route of the manifest that is not a GET", () => {
    expect(writeRoutes.map((r) => r.functionName).sort()).toEqual(Object.keys(bodies).sort());
  });

  it.each(writeRoutes.map((r) => [r.functionName]))("%s answers 401 without a principal and 403 to a tenant principal without its role", async (functionName) => {
    expect(await call(functionName, undefined)).toMatchObject({ status: 401, code: "AUTH.UNAUTHENTICATED" });
    expect(await call(functionName, [APP_ROLES.flowsRead])).toMatchObject({ status: 403, code: "AUTH.FORBIDDEN" });
  });

  it.each(writeRoutes.map((r) => [r.functionName]))("%s serves a caller granted every app role of the API", async (functionName) => {
    const response = await call(functionName, Object.values(APP_ROLES));
    expect({ functionName, code: response.code }).not.toMatchObject({ code: expect.stringMatching(/^AUTH\./) });
    // The wallet of a top-up does not exist in this empty store: past the role check, the service answers 404.
    const served: Record<string, number> = { "ledger-initiateTopUp": 404, "inventory-setStockLevel": 200, "payments-registerPaymentMethod": 201, "banking-registerFundingSource": 201 };
    expect(response.status).toBe(served[functionName] ?? 202);
  });

  it("requires the matching <Domain>.Write role, not just any role", async () => {
    const expected: Record<string, string> = {
      "orders-placeOrder": APP_ROLES.ordersWrite,
      "inventory-setStockLevel": APP_ROLES.inventoryWrite,
      "users-signUpUser": APP_ROLES.usersWrite,
      "ledger-initiateTopUp": APP_ROLES.walletsWrite,
      // Whoever may place orders registers the card they pay with; whoever may top wallets up, the bank account.
      "payments-registerPaymentMethod": APP_ROLES.ordersWrite,
      "banking-registerFundingSource": APP_ROLES.walletsWrite,
    };
    for (const [functionName, role] of Object.entries(expected)) {
      const others = Object.values(APP_ROLES).filter((r) => r !== role);
      expect(await call(functionName, others)).toMatchObject({ status: 403 });
      expect((await call(functionName, [role])).status).not.toBe(403);
    }
  });
});
