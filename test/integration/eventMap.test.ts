import { mkdirSync } from "node:fs";
import path from "node:path";
import { CosmosClient } from "@azure/cosmos";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { Browser, chromium } from "playwright-core";
import { mapEdges } from "#src/services/journal/eventMap";
import { publishingService } from "#src/services/journal/flowSteps";
import { listSubscriptions, services } from "#src/topology";
import { getJson, registerBankAccount, registerCard, repoRoot, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const screenshots = path.join(repoRoot, ".artifacts", "screenshots");
const CRM_EDGE = "Users.UserSignedUp.v1->crm-addContactWhenUserSignedUp";

interface Entry {
  readonly pk: string;
  readonly event: { readonly id: string; readonly type: string; readonly source: string; readonly causationid?: string };
}

/**
 * The live event map in a real browser, after mixed flows (orders, one declined, sign-ups, a top-up) and a CRM outage
 * long enough to dead-letter one sign-up: every manifest edge that carried events is drawn with the count the journal
 * holds for it, a p95 where the reaction answered, the dead-lettered edge marked; hostile correlation ids stay text.
 */
describe("event map on the dashboard, in Chromium", () => {
  let stack: TestStack;
  let browser: Browser;
  let cosmos: CosmosClient;

  beforeAll(async () => {
    // Two attempts and fast retries: a sign-up during a CRM outage is dead-lettered within a second or two.
    stack = await startLocalStackForTests({ maxDeliveryAttempts: 2 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    cosmos = new CosmosClient({ endpoint: stack.cosmos.endpoint, key: stack.cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
    mkdirSync(screenshots, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    cosmos?.dispose();
    await browser?.close();
    await stack?.stop();
  });

  /** What the journal holds, per edge: the events of its type, and whether its reaction answered one of them. */
  const journalByEdge = async () => {
    const { resources } = await cosmos
      .database(stack.cosmos.databaseName)
      .container(services.journal.container)
      .items.query<Entry>("SELECT c.pk, c.event FROM c WHERE c.kind = 'journalEntry'")
      .fetchAll();
    const byId = new Map(resources.map((e) => [e.event.id, e]));
    const counts = new Map<string, number>();
    const answered = new Set<string>();
    for (const entry of resources) {
      for (const edge of mapEdges.filter((e) => e.type === entry.event.type)) counts.set(edge.key, (counts.get(edge.key) ?? 0) + 1);
      const cause = entry.event.causationid ? byId.get(entry.event.causationid) : undefined;
      const service = publishingService(entry.event.source);
      const edge = cause && mapEdges.find((e) => e.type === cause.event.type && e.to === service && e.answers);
      if (edge) answered.add(edge.key);
    }
    return { counts, answered };
  };

  it("draws every edge that carried events with the journal's count and a p95, and marks the dead-lettered one", async () => {
    const hostile = `x"><img src=x onerror="window.__xss=1">`;
    const sku = `SKU-MAP-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available: 10 })).status).toBe(200);
    const order = (paymentToken: string) =>
      registerCard(stack.apiUrl, "cust-map", paymentToken).then((paymentMethodId) =>
        sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-map", items: [{ sku, quantity: 1, unitPrice: 5 }], currency: "EUR", paymentMethodId }),
      );
    for (const token of ["tok_visa", "tok_visa", "tok_decline"]) expect((await order(token)).status).toBe(202);
    const user = await sendJson("POST", `${stack.apiUrl}/users`, { email: `map-${Date.now().toString(36)}@example.com`, name: "Ada Lovelace" });
    expect(user.status).toBe(202);
    const walletId = user.body.userId as string;
    await waitFor(async () => ((await getJson(`${stack.apiUrl}/wallets/${walletId}`)).body?.balance === 10 ? true : undefined), { description: "the wallet's free credits", timeoutInMs: 30_000 });
    expect((await sendJson("POST", `${stack.apiUrl}/wallets/${walletId}/top-ups`, { amount: 5, currency: "EUR", fundingSourceId: await registerBankAccount(stack.apiUrl, walletId) })).status).toBe(202);

    // A sign-up while the CRM is down: its delivery to the CRM reaction is dead-lettered.
    const crmSubscription = listSubscriptions().find((s) => s.functionName === "crm-addContactWhenUserSignedUp")!.name;
    await sendJson("PUT", `${stack.devUrl}/dev/crm/outage`, { down: true });
    let lost: string;
    try {
      const signUp = await sendJson("POST", `${stack.apiUrl}/users`, { email: `map-dl-${Date.now().toString(36)}@example.com`, name: "Grace Hopper" });
      expect(signUp.status).toBe(202);
      lost = signUp.body.correlationId as string;
      await waitFor(
        async () => ((await stack.deadLetters()) as { subscription: string; event: { correlationid: string } }[]).some((d) => d.subscription === crmSubscription && d.event.correlationid === lost) || undefined,
        { description: "the sign-up dead-lettered at the CRM", timeoutInMs: 30_000 },
      );
    } finally {
      await sendJson("PUT", `${stack.devUrl}/dev/crm/outage`, { down: false });
    }
    // A flow whose correlation id is hostile: the map lists it among the flows of the edges it took.
    const client = new EventGridPublisherClient(stack.topicEndpoint("orders"), "CloudEvent", new AzureKeyCredential(stack.topicKey), { allowInsecureConnection: true });
    await client.send([
      {
        type: "Orders.OrderPlaced.v2",
        source: "/services/orders",
        id: `map-hostile-${Date.now()}`,
        data: { orderId: "order-map-hostile", customerId: "cust-map", items: [{ sku: "NO-SUCH-SKU", quantity: 1, unitPrice: 1 }], currency: "EUR", total: 1, paymentMethodId: await registerCard(stack.apiUrl, "cust-map", "tok_visa") },
        extensionAttributes: { correlationid: hostile },
      },
    ]);
    await stack.stack.eventGrid.idle(30_000);

    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${stack.apiUrl}/dashboard`);
    const map = page.locator('svg[data-testid="choreography-map"]');
    await map.waitFor({ timeout: 30_000 });
    expect(await map.locator("[data-service]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-service")).sort())).toEqual(Object.keys(services).sort());

    // The map refreshes every few seconds from what the journal stored since: wait until it has caught up.
    const drawn = async () =>
      map.locator("[data-edge]").evaluateAll((nodes) =>
        Object.fromEntries(nodes.map((n) => [n.getAttribute("data-edge"), { count: Number(n.getAttribute("data-count")), p95: n.getAttribute("data-p95-ms"), failures: n.getAttribute("data-failures"), trouble: n.classList.contains("trouble") }])),
      );
    const { counts, answered } = await waitFor(
      async () => {
        const journal = await journalByEdge();
        const edges = await drawn();
        return [...journal.counts].every(([key, n]) => edges[key]?.count === n) && [...journal.answered].every((key) => edges[key]?.p95 !== null) ? journal : undefined;
      },
      { description: "the map to show the journal's counts", timeoutInMs: 30_000, intervalInMs: 500 },
    );
    const edges = await drawn();
    expect(Object.keys(edges).sort()).toEqual(mapEdges.map((e) => e.key).sort());
    // Every flow kind took its edges; each edge the journal counts is drawn with that count, and a p95 where answered.
    expect(counts.get("Orders.OrderPlaced.v2->payments-chargePaymentWhenOrderPlaced")).toBe(4);
    expect(counts.get("Payments.PaymentFailed.v1->orders-updateOrderWhenStockOrPaymentSettled")).toBe(1);
    expect(counts.get("Wallet.TopUpInitiated.v2->banking-requestBankPaymentWhenTopUpInitiated")).toBe(1);
    expect(counts.get(CRM_EDGE)).toBe(2);
    for (const [key, n] of counts) expect({ key, count: edges[key]!.count }).toEqual({ key, count: n });
    for (const key of answered) expect({ key, p95: Number(edges[key]!.p95) >= 0 }).toEqual({ key, p95: true });
    expect(edges["Orders.OrderCancelled.v1->inventory-releaseStockWhenOrderCancelled"]?.count ?? 0).toBe(counts.get("Orders.OrderCancelled.v1->inventory-releaseStockWhenOrderCancelled") ?? 0);
    // The dead letter marks its edge; an edge that went well is not marked.
    expect(edges[CRM_EDGE]).toMatchObject({ trouble: true });
    expect(Number(edges[CRM_EDGE]!.failures)).toBeGreaterThanOrEqual(1);
    expect(edges["Wallet.TopUpInitiated.v2->banking-requestBankPaymentWhenTopUpInitiated"]).toMatchObject({ trouble: false, failures: "0" });

    // Clicking the edge lists its flows, the dead-lettered one among them; its link opens the flow.
    // Edges cross, so a click at the middle of one's box may land on another: the event goes to the edge itself.
    await map.locator(`[data-edge="${CRM_EDGE}"]`).dispatchEvent("click");
    const flowLinks = page.locator("#edge-flow-list a");
    await expect(flowLinks.evaluateAll((links) => links.map((a) => a.getAttribute("data-correlation-id")))).resolves.toContain(lost!);
    await page.screenshot({ path: path.join(screenshots, "dashboard-event-map.png"), fullPage: true });
    await map.screenshot({ path: path.join(screenshots, "dashboard-event-map-graph.png") });
    await page.locator(`#edge-flow-list a[data-correlation-id="${lost!}"]`).click();
    await page.locator(`#flow-id:text("${lost!}")`).waitFor({ timeout: 10_000 });
    await expect(page.locator("#dead-letters").innerText()).resolves.toContain(crmSubscription);

    // The hostile correlation id is listed as text on the edge it took, and runs nothing.
    // Through the table under the graph, which lists the same edges.
    await page.locator('#edge-table [data-edge-row="Orders.OrderPlaced.v2->inventory-reserveStockWhenOrderPlaced"]').click();
    await expect(page.locator("#edge-flow-list").innerText()).resolves.toContain(hostile);
    await page.waitForTimeout(300); // an injected onerror would have fired by now, were there one
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);

    // The window control asks for another window and draws it.
    await page.locator('#event-map-windows button[data-window="5m"]').click();
    await page.locator('#event-map-windows button[data-window="5m"].active').waitFor();
    await page.locator("#event-map-coverage").waitFor();
    expect(errors).toEqual([]);
  }, 120_000);
});
