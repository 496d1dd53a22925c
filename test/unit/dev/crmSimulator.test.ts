import { startDevServer, type DevServer } from "#dev/devServer";
import { CRM_REJECTED_DOMAIN, createCrmSimulator, type CrmContact } from "#dev/simulators/crm";

describe("CRM simulator (through the dev server)", () => {
  let dev: DevServer;

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, simulators: [createCrmSimulator({ now: () => new Date("2030-01-02T03:04:05.000Z") })], log: () => undefined });
  });
  afterAll(() => dev.close());
  beforeEach(async () => {
    await fetch(`${dev.url}/dev/crm/reset`, { method: "POST" });
  });

  const put = async (contactId: string, body: unknown, auth: string | null = "Bearer local-key") => {
    const response = await fetch(`${dev.url}/dev/crm/contacts/${contactId}`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const contacts = async (): Promise<CrmContact[]> => (await (await fetch(`${dev.url}/dev/crm/contacts`)).json()) as CrmContact[];
  const outage = (down: boolean) => fetch(`${dev.url}/dev/crm/outage`, { method: "PUT", body: JSON.stringify({ down }) });

  it("upserts by contact id: a second call updates the one contact and counts the upsert", async () => {
    expect((await put("u-1", { email: "ada@example.com", name: "Ada" })).status).toBe(201);
    expect((await put("u-1", { email: "ada@example.com", name: "Ada L." })).status).toBe(200);
    expect(await contacts()).toEqual([
      { contactId: "u-1", email: "ada@example.com", name: "Ada L.", createdAt: "2030-01-02T03:04:05.000Z", updatedAt: "2030-01-02T03:04:05.000Z", upserts: 2 },
    ]);
  });

  it(`rejects addresses at ${CRM_REJECTED_DOMAIN} with 422`, async () => {
    expect(await put("u-2", { email: `x@${CRM_REJECTED_DOMAIN}`, name: "X" })).toMatchObject({ status: 422, body: { code: "contact_rejected" } });
    expect(await contacts()).toEqual([]);
  });

  it("requires a bearer key and a valid body", async () => {
    expect((await put("u-3", { email: "a@b.test", name: "A" }, null)).status).toBe(401);
    expect((await put("u-3", { email: "nope", name: "A" })).status).toBe(400);
    expect(await contacts()).toEqual([]);
  });

  it("answers 503 while down, counts the refusals, and works again when back", async () => {
    await outage(true);
    expect((await put("u-4", { email: "a@b.test", name: "A" })).status).toBe(503);
    expect(await (await fetch(`${dev.url}/dev/crm/outage`)).json()).toEqual({ down: true, refusedWhileDown: 1 });
    await outage(false);
    expect((await put("u-4", { email: "a@b.test", name: "A" })).status).toBe(201);
    expect((await contacts()).map((c) => c.contactId)).toEqual(["u-4"]);
  });
});
