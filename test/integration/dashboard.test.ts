import { mkdirSync } from "node:fs";
import path from "node:path";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { Browser, chromium } from "playwright-core";
import { registerCard, repoRoot, sendJson, startLocalStackForTests, TestStack } from "./support/localStack";
import { A_PAYMENT_METHOD_ID } from "../support/events";

/** Debian's chromium: the npm browser downloads cannot reach their hosts where this is built (see .ci/run). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const screenshots = path.join(repoRoot, ".artifacts", "screenshots");

/** The dashboard in a real browser: it finds a new flow without a reload, opens it, and shows its events and outcome. */
describe("flows dashboard in Chromium", () => {
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    mkdirSync(screenshots, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("shows a placed order appear live, then its timeline and final status", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const offOrigin: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(new URL(stack.apiUrl).origin)) offOrigin.push(r.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

    const response = await page.goto(`${stack.apiUrl}/dashboard`);
    expect(response?.headers()["content-type"]).toMatch(/^text\/html/);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'sha256-/);
    await page.waitForSelector("#live.ok");
    // The choreography map comes from the manifest.
    await expect(page.locator("#map-body").innerText()).resolves.toContain("reserveStockWhenOrderPlaced ← Orders.OrderPlaced.v2");

    // Place the order after the page has loaded: it must show up without a reload.
    const sku = `SKU-UI-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available: 3 })).status).toBe(200);
    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-ui", items: [{ sku, quantity: 1, unitPrice: 20 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-ui") });
    expect(placed.status).toBe(202);
    const correlationId = placed.body.correlationId as string;

    const row = page.locator(`tr[data-correlation-id="${correlationId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await page.locator("#flow-status .badge.completed").waitFor({ timeout: 30_000 });
    await page.locator('.step[data-event-type="Invoicing.InvoiceSent.v1"]').waitFor({ timeout: 30_000 });
    const steps = await page.locator("#timeline .step .type").allInnerTexts();
    expect(steps[0]).toBe("Orders.OrderPlaced.v2");
    expect(steps).toEqual(expect.arrayContaining(["Inventory.StockReserved.v1", "Payments.PaymentConfirmed.v1", "Invoicing.InvoiceSent.v1", "Orders.OrderConfirmed.v1"]));
    const lanes = await page.locator("#timeline .lane-head").allInnerTexts();
    // One lane per service, in the order each first acts (stock and payment race each other).
    expect(lanes.slice(0, 2)).toEqual(["time", "orders"]);
    expect([...lanes].sort()).toEqual(["inventory", "invoicing", "orders", "payments", "time"]);
    await expect(row.locator(".badge").innerText()).resolves.toBe("completed");
    await expect(page.locator('button[data-status="completed"] .count').innerText()).resolves.toMatch(/^[1-9]\d*$/);
    await expect(page.locator("#flow").innerText()).resolves.not.toContain("tok_visa");

    await page.screenshot({ path: path.join(screenshots, "dashboard-order.png"), fullPage: true });
    expect(offOrigin).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it("shows hostile event data as text and runs none of it", async () => {
    const hostile = `<img src=x onerror="window.__xss=1">`;
    const correlationId = `xss-${Date.now()}`;
    const client = new EventGridPublisherClient(stack.topicEndpoint("orders"), "CloudEvent", new AzureKeyCredential(stack.topicKey), { allowInsecureConnection: true });
    // A flow that starts like an order, with hostile text wherever the schemas allow any string, then an event of a
    // hostile type, source and id.
    await client.send([
      {
        type: "Orders.OrderPlaced.v2",
        source: "/services/orders",
        id: `${correlationId}-start`,
        data: { orderId: hostile, customerId: hostile, items: [{ sku: "NO-SUCH-SKU", quantity: 1, unitPrice: 1 }], currency: "EUR", total: 1, paymentMethodId: A_PAYMENT_METHOD_ID },
        extensionAttributes: { correlationid: correlationId },
      },
      { type: `Evil.${hostile}.v1`, source: `/x/<script>window.__xss=2</script>`, id: `id-"><svg onload=window.__xss=3>`, data: { note: hostile }, extensionAttributes: { correlationid: correlationId } },
    ]);
    // No wait for the emulator to idle: orders keeps retrying the reactions to an order it never took, as it should.
    const page = await browser.newPage();
    await page.goto(`${stack.apiUrl}/dashboard`);
    const row = page.locator(`tr[data-correlation-id="${correlationId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await page.locator(`#flow-id:text("${correlationId}")`).waitFor();
    await expect(page.locator("#timeline .step .type").allInnerTexts()).resolves.toContain(`Evil.${hostile}.v1`);
    await page.waitForTimeout(500); // give an injected onerror/onload the chance to fire, were there one
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator(`img, svg:not([data-testid="choreography-map"]), #flow script`).count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, "dashboard-hostile-event.png"), fullPage: true });
  }, 60_000);
});
