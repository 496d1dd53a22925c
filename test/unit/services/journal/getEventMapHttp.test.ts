import { HttpRequest, InvocationContext } from "@azure/functions";
import { ServiceRuntime } from "#src/platform/runtime";
import { getEventMap } from "#src/services/journal/getEventMapHttp";
import { JournalPorts } from "#src/services/journal/ports";

const call = (query: string) =>
  getEventMap(new HttpRequest({ method: "GET", url: `http://localhost/api/event-map${query}` }), {} as ServiceRuntime<JournalPorts>, new InvocationContext({ functionName: "journal-getEventMap" }));

describe("GET /api/event-map: refusals, before anything is read", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("names the windows it offers", async () => {
    await expect(call("?window=7d")).rejects.toMatchObject({ code: "REQUEST.INVALID", status: 400, message: expect.stringContaining("5m, 1h, 24h") });
  });

  it("needs Flows.Read where roles are enforced, like the other journal routes", async () => {
    process.env.APP_ROLES_ENFORCED = "true";
    process.env.WEBSITE_AUTH_ENABLED = "true";
    await expect(call("?window=5m")).rejects.toMatchObject({ status: 401 });
  });
});
