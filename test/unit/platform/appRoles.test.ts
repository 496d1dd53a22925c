import { HttpRequest } from "@azure/functions";
import { CLIENT_PRINCIPAL_HEADER, appRolesOf, parseClientPrincipal, requireAppRole } from "#src/platform/appRoles";
import { parseJournalSettings } from "#src/services/journal/settings";
import { getFlow } from "#src/services/journal/getFlowHttp";
import { getFlowDiagram } from "#src/services/journal/getFlowDiagramHttp";
import { listFlows } from "#src/services/journal/listFlowsHttp";

const principalHeader = (roles: string[]): string =>
  Buffer.from(
    JSON.stringify({
      auth_typ: "aad",
      role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
      claims: [{ typ: "name", val: "Ada" }, ...roles.map((val) => ({ typ: "roles", val }))],
    }),
  ).toString("base64");

const flowRequest = (headers: Record<string, string> = {}): HttpRequest =>
  new HttpRequest({ method: "GET", url: "https://func-journal.example/api/flows/flow-1", params: { correlationId: "flow-1" }, headers });

// What App Service sets (WEBSITE_AUTH_ENABLED) and infra sets (APP_ROLES_ENFORCED) with authentication on.
const enforced = { APP_ROLES_ENFORCED: "true", WEBSITE_AUTH_ENABLED: "True" };

describe("app roles from App Service authentication", () => {
  it("reads the roles of the x-ms-client-principal header, and nothing from a malformed one", () => {
    expect(appRolesOf(parseClientPrincipal(principalHeader(["Flows.Read", "Other"]))!)).toEqual(["Flows.Read", "Other"]);
    expect(parseClientPrincipal("not base64 json")).toBeUndefined();
    expect(parseClientPrincipal(Buffer.from('{"claims":"nope"}').toString("base64"))).toBeUndefined();
  });

  it("answers 401 without a principal and 403 without the role when enforced", () => {
    expect(() => requireAppRole(flowRequest(), "Flows.Read", enforced)).toThrow(expect.objectContaining({ status: 401, code: "AUTH.UNAUTHENTICATED" }));
    const withoutRole = flowRequest({ [CLIENT_PRINCIPAL_HEADER]: principalHeader(["Orders.Write"]) });
    expect(() => requireAppRole(withoutRole, "Flows.Read", enforced)).toThrow(expect.objectContaining({ status: 403, code: "AUTH.FORBIDDEN" }));
    const operator = flowRequest({ [CLIENT_PRINCIPAL_HEADER]: principalHeader(["Flows.Read"]) });
    expect(() => requireAppRole(operator, "Flows.Read", enforced)).not.toThrow();
  });

  it("trusts no client principal header when the platform's authentication is off (it could be forged)", () => {
    const forged = flowRequest({ [CLIENT_PRINCIPAL_HEADER]: principalHeader(["Flows.Read"]) });
    expect(() => requireAppRole(forged, "Flows.Read", { APP_ROLES_ENFORCED: "true" })).toThrow(expect.objectContaining({ status: 401 }));
  });

  it("leaves every endpoint open when not enforced (locally)", () => {
    expect(() => requireAppRole(flowRequest(), "Flows.Read", {})).not.toThrow();
  });
});

describe("GET /api/flows/{correlationId} in Azure", () => {
  const saved = { APP_ROLES_ENFORCED: process.env.APP_ROLES_ENFORCED, WEBSITE_AUTH_ENABLED: process.env.WEBSITE_AUTH_ENABLED };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("refuses a caller without the Flows.Read role before reading the journal", async () => {
    Object.assign(process.env, enforced);
    const queryDocuments = jest.fn().mockResolvedValue([]);
    const readDocument = jest.fn().mockResolvedValue(undefined);
    const runtime = {
      store: { queryDocuments, readDocument },
      ports: { settings: parseJournalSettings({}) },
      clock: () => new Date(),
    } as unknown as Parameters<typeof getFlow>[1];
    const context = {} as Parameters<typeof getFlow>[2];
    const request = flowRequest({ [CLIENT_PRINCIPAL_HEADER]: principalHeader([]) });
    await expect(getFlow(request, runtime, context)).rejects.toMatchObject({ status: 403 });
    expect(queryDocuments).not.toHaveBeenCalled();
    const operator = flowRequest({ [CLIENT_PRINCIPAL_HEADER]: principalHeader(["Flows.Read"]) });
    await expect(getFlow(operator, runtime, context)).rejects.toMatchObject({ status: 404, code: "FLOW.NOT_FOUND" });
    expect(queryDocuments).toHaveBeenCalledTimes(1);
  });

  it("refuses the flow list and the diagram to a caller without the role, too", async () => {
    Object.assign(process.env, enforced);
    const queryDocuments = jest.fn();
    const runtime = { store: { queryDocuments } } as unknown as Parameters<typeof listFlows>[1];
    const request = flowRequest({ [CLIENT_PRINCIPAL_HEADER]: principalHeader(["Orders.Write"]) });
    for (const handler of [listFlows, getFlowDiagram]) {
      await expect(handler(request, runtime, {} as Parameters<typeof listFlows>[2])).rejects.toMatchObject({ status: 403 });
    }
    expect(queryDocuments).not.toHaveBeenCalled();
  });
});
