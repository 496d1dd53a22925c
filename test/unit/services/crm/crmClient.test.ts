import { TransientError } from "#src/platform/errors";
import { crmService } from "#src/services/crm";
import { createHttpCrmClient } from "#src/services/crm/crmClient";

const response = (status: number, body: unknown = {}) => new Response(JSON.stringify(body), { status });
const contact = { contactId: "u-1", email: "ada@example.com", name: "Ada" };
const client = (fetch: jest.Mock) => createHttpCrmClient({ baseUrl: "http://crm.test/api/", apiKey: "secret", timeoutInMs: 1000, fetch });

describe("HTTP CRM adapter", () => {
  it("upserts with PUT /contacts/{userId}, the bearer key and the idempotency key", async () => {
    const fetch = jest.fn(async () => response(201, { contactId: "u-1" }));
    await expect(client(fetch).upsertContact(contact, { idempotencyKey: "evt-1" })).resolves.toEqual({ status: "added", contactId: "u-1" });
    expect(fetch).toHaveBeenCalledWith(
      "http://crm.test/api/contacts/u-1",
      expect.objectContaining({
        method: "PUT",
        headers: expect.objectContaining({ authorization: "Bearer secret", "idempotency-key": "evt-1" }),
        body: JSON.stringify({ email: "ada@example.com", name: "Ada" }),
      }),
    );
  });

  it("escapes the contact id in the path", async () => {
    const fetch = jest.fn(async () => response(200, {}));
    await client(fetch).upsertContact({ ...contact, contactId: "a/b?c" }, { idempotencyKey: "k" });
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe("http://crm.test/api/contacts/a%2Fb%3Fc");
  });

  it("treats an update (200) as added, with our id when the CRM sends none", async () => {
    await expect(client(jest.fn(async () => response(200, {}))).upsertContact(contact, { idempotencyKey: "k" })).resolves.toEqual({ status: "added", contactId: "u-1" });
  });

  it.each([400, 409, 422])("reports %s as a rejection with the CRM's reason", async (status) => {
    const outcome = await client(jest.fn(async () => response(status, { code: "contact_rejected", message: "Domain not accepted" }))).upsertContact(contact, { idempotencyKey: "k" });
    expect(outcome).toEqual({ status: "rejected", reason: `CRM rejected the contact (${status}): Domain not accepted` });
  });

  it.each([500, 502, 503, 429, 408])("makes %s a TransientError (the CRM is down for a while)", async (status) => {
    await expect(client(jest.fn(async () => response(status))).upsertContact(contact, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
  });

  it("makes a timeout a TransientError", async () => {
    const fetch = jest.fn(async () => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    });
    await expect(client(fetch).upsertContact(contact, { idempotencyKey: "k" })).rejects.toBeInstanceOf(TransientError);
  });

  it.each([401, 403, 404])("fails loudly on %s (misconfigured key or URL), not as a rejection", async (status) => {
    const error = await client(jest.fn(async () => response(status))).upsertContact(contact, { idempotencyKey: "k" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
  });
});

describe("crm settings", () => {
  const noCredential = () => {
    throw new Error("unused");
  };
  it("requires CRM_API_URL and CRM_API_KEY, naming them", () => {
    expect(() => crmService.createPorts({ CRM_API_KEY: "k" }, noCredential)).toThrow(/CRM_API_URL/);
    expect(() => crmService.createPorts({ CRM_API_URL: "http://crm.test" }, noCredential)).toThrow(/CRM_API_KEY/);
    expect(() => crmService.createPorts({ CRM_API_URL: "http://crm.test", CRM_API_KEY: "k" }, noCredential)).not.toThrow();
  });
});
