import { startDevServer, type DevServer } from "#dev/devServer";
import { createMailboxSimulator, type CapturedEmail } from "#dev/simulators/mailbox";

describe("mailbox simulator (through the dev server)", () => {
  let dev: DevServer;

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, simulators: [createMailboxSimulator({ now: () => new Date("2030-01-02T03:04:05.000Z") })], log: () => undefined });
  });
  afterAll(() => dev.close());
  beforeEach(async () => {
    await fetch(`${dev.url}/dev/mailbox/reset`, { method: "POST" });
  });

  const email = (overrides: Record<string, unknown> = {}) => ({
    messageId: "m-1",
    to: { address: "ada@example.com", displayName: "Ada" },
    subject: "Welcome aboard",
    plainText: "Hello",
    html: "<p>Hello</p>",
    ...overrides,
  });
  const submit = async (body: unknown) => {
    const response = await fetch(`${dev.url}/dev/mailbox/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const inbox = async (query = ""): Promise<CapturedEmail[]> => (await (await fetch(`${dev.url}/dev/mailbox${query}`)).json()) as CapturedEmail[];

  it("keeps one email per message id and counts the submissions", async () => {
    expect(await submit(email())).toEqual({ status: 201, body: { messageId: "m-1", duplicate: false } });
    expect(await submit(email())).toEqual({ status: 200, body: { messageId: "m-1", duplicate: true } });
    expect(await inbox()).toEqual([{ ...email(), receivedAt: "2030-01-02T03:04:05.000Z", submissions: 2 }]);
  });

  it("filters by recipient, case-insensitively", async () => {
    await submit(email());
    await submit(email({ messageId: "m-2", to: { address: "bob@example.com", displayName: "Bob" } }));
    expect((await inbox("?to=ADA@example.com")).map((m) => m.messageId)).toEqual(["m-1"]);
  });

  it("refuses a message id reused for another email", async () => {
    await submit(email());
    expect((await submit(email({ subject: "Something else" }))).status).toBe(409);
  });

  it("refuses malformed emails", async () => {
    expect((await submit(email({ messageId: "" }))).status).toBe(400);
    expect((await submit(email({ to: { address: "nope", displayName: "x" } }))).status).toBe(400);
    expect((await submit("just a string")).status).toBe(400);
    expect(await inbox()).toEqual([]);
  });
});
