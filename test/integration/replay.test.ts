import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeStackInfo } from "#dev/stackInfo";
import { registerCard, repoRoot, runCommand, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

const replayCli = path.join(repoRoot, "dist/scripts/replay.js");

describe("npm run replay: the archive delivered to one function only", () => {
  let stack: TestStack;
  let dataDir: string;
  const orderIds: string[] = [];
  let since: string;

  /** `npm run replay` as a user runs it against this stack (found, as npm start's, through stack.json). */
  const replay = (...args: string[]) => runCommand(process.execPath, [replayCli, ...args], { env: { LOCAL_DATA_DIR: dataDir }, timeoutInMs: 60_000 });

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    dataDir = mkdtempSync(path.join(tmpdir(), "replay-"));
    const functionsUrls = Object.fromEntries(["orders", "inventory", "payments", "invoicing", "journal", "users", "crm"].map((s) => [s, stack.apiUrl.replace(/\/api$/, "")]));
    writeStackInfo(dataDir, { functionsUrls, topicEndpoints: {}, topicKey: stack.topicKey, cosmosEndpoint: stack.cosmos.endpoint, devUrl: stack.devUrl });
    since = new Date(Date.now() - 1000).toISOString();
    const call = (method: string, url: string, body: unknown) => fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await call("PUT", `${stack.apiUrl}/inventory/SKU-REPLAY`, { available: 10 });
    for (const n of [1, 2]) {
      const placed = await call("POST", `${stack.apiUrl}/orders`, { customerId: `replay-${n}`, items: [{ sku: "SKU-REPLAY", quantity: 1, unitPrice: 3 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, `replay-${n}`) });
      orderIds.push(((await placed.json()) as { orderId: string }).orderId);
    }
    for (const id of orderIds) {
      await waitFor(async () => {
        const order = (await (await fetch(`${stack.apiUrl}/orders/${id}`)).json()) as { status: string; invoice: unknown };
        return order.status === "Confirmed" && order.invoice ? true : undefined;
      }, { description: `order ${id} confirmed` });
    }
    // A sign-up: its event carries personal data, which the archive holds redacted.
    await call("POST", `${stack.apiUrl}/users`, { email: `replay-${Date.now()}@example.com`, name: "Ada Lovelace" });
    await stack.stack.eventGrid.idle(30_000);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("delivers the window's events the function subscribes to, to it alone, and a second replay delivers nothing new", async () => {
    const to = "invoicing-sendInvoiceWhenPaymentConfirmed";
    const deliveriesBefore = stack.stack.eventGrid.deliveries().length;

    const first = await replay("--to", to, "--since", since, "--rate", "100");
    expect(first).toEqual({ code: 0, out: expect.stringContaining("done: found 2  delivered 2  already seen 0  withheld 0  failed 0") });
    // Straight to the function's webhook: Event Grid fanned none of the replayed PaymentConfirmed out again. What the
    // redelivered invoicing reaction publishes again (its recorded InvoiceSent, same ids) may fan out; none of it is a
    // PaymentConfirmed.
    await stack.stack.eventGrid.idle(30_000);
    const after = stack.stack.eventGrid.deliveries().slice(deliveriesBefore);
    expect(after.filter((d) => d.eventType === "Payments.PaymentConfirmed.v1")).toEqual([]);

    const second = await replay("--to", to, "--since", since);
    expect(second).toEqual({ code: 0, out: expect.stringContaining("done: found 2  delivered 0  already seen 2  withheld 0  failed 0") });
  }, 90_000);

  it("withholds events whose sensitive fields the archive holds redacted, delivers orders whole, and a dry run delivers nothing", async () => {
    const withheld = await replay("--to", "crm-addContactWhenUserSignedUp", "--since", since, "--dry-run");
    expect(withheld).toEqual({ code: 0, out: expect.stringContaining("would deliver: found 1  delivered 0  already seen 0  withheld 1  failed 0") });
    const masked = await replay("--to", "crm-addContactWhenUserSignedUp", "--since", since, "--with-redacted", "--dry-run");
    expect(masked.out).toContain("would deliver: found 1  delivered 1  already seen 0  withheld 0  failed 0");
    // Orders name the card by reference: nothing in them is redacted, so a new dancer catches up on them whole.
    const orders = await replay("--to", "payments-chargePaymentWhenOrderPlaced", "--since", since, "--dry-run");
    expect(orders.out).toContain("would deliver: found 2  delivered 2  already seen 0  withheld 0  failed 0");
  }, 60_000);

  it("refuses an unknown function, an event type it does not receive, or a missing --since, with exit code 2", async () => {
    expect(await replay("--to", "nobody-listenWhenNothingHappened", "--since", since)).toMatchObject({ code: 2, out: expect.stringMatching(/^replay: --to nobody-listenWhenNothingHappened: not a reaction of the manifest/) });
    expect(await replay("--to", "invoicing-sendInvoiceWhenPaymentConfirmed", "--since", since, "--type", "Orders.OrderPlaced.v2")).toMatchObject({ code: 2, out: expect.stringMatching(/not an event type invoicing-sendInvoiceWhenPaymentConfirmed receives/) });
    expect(await replay("--to", "invoicing-sendInvoiceWhenPaymentConfirmed")).toMatchObject({ code: 2, out: expect.stringMatching(/--since is required/) });
  }, 60_000);
});
