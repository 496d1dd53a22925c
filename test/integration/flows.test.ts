import { CosmosClient } from "@azure/cosmos";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { getJson, registerCard, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

const ONBOARDING_DEADLINE_MS = 3_000;

/** Flow status over the real stack: the journal's summaries, the flows API, the diagram, and what the journal keeps. */
describe("flows API on the local stack", () => {
  let stack: TestStack;
  let cosmos: CosmosClient;

  beforeAll(async () => {
    stack = await startLocalStackForTests({ appSettings: { FLOW_DEADLINE_ONBOARDING_MS: String(ONBOARDING_DEADLINE_MS) } });
    cosmos = new CosmosClient({ endpoint: stack.cosmos.endpoint, key: stack.cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
  }, 90_000);

  afterAll(async () => {
    cosmos?.dispose();
    await stack?.stop();
  });

  const placeOrder = async (paymentToken: string, available = 5) => {
    const sku = `SKU-FLOWS-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available })).status).toBe(200);
    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-flows", items: [{ sku, quantity: 1, unitPrice: 9.5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-flows", paymentToken) });
    expect(placed.status).toBe(202);
    return placed.body as { orderId: string; correlationId: string };
  };

  const listed = async (query: string, correlationId: string) => {
    const { status, body } = await getJson(`${stack.apiUrl}/flows${query}`);
    expect(status).toBe(200);
    return (body.flows as any[]).find((f) => f.correlationId === correlationId);
  };

  it("lists a confirmed order as a completed order flow, with exactly the documented fields", async () => {
    const { correlationId } = await placeOrder("tok_visa");
    const item = await waitFor(async () => listed("?flow=order&status=completed", correlationId), { description: "the order listed as completed", timeoutInMs: 30_000 });
    // What the flow's summary holds: what it waits for is in its view, which reads its events.
    expect(Object.keys(item).sort()).toEqual(["correlationId", "endedAt", "flow", "startedAt", "status"]);
    expect(item).toMatchObject({ flow: "order", status: "completed" });
    expect(Date.parse(item.endedAt)).toBeGreaterThanOrEqual(Date.parse(item.startedAt));
    // Filters are applied by the query, not by the caller.
    expect(await listed("?status=running", correlationId)).toBeUndefined();
    expect(await listed("?flow=topUp", correlationId)).toBeUndefined();
    expect(await listed("?limit=500", correlationId)).toBeDefined();
  });

  it("keeps today's flow view, adds flow, status and waitingFor, and never sees the card token (the order names it by reference)", async () => {
    const { correlationId } = await placeOrder("tok_visa");
    const flow = await waitFor(async () => {
      const { body } = await getJson(`${stack.apiUrl}/flows/${correlationId}`);
      return body?.status === "completed" ? body : undefined;
    }, { description: "flow completed", timeoutInMs: 30_000 });
    expect(flow).toMatchObject({ correlationId, flow: "order", status: "completed", waitingFor: expect.any(Array), deadLetters: [], poison: [] });
    expect(flow.events[0]).toMatchObject({ type: "Orders.OrderPlaced.v2", correlationid: correlationId, data: { paymentMethodId: expect.stringMatching(/^pm_/) } });
    expect(JSON.stringify(flow)).not.toContain("tok_visa");

    // The flow completes with OrderConfirmed; InvoiceSent (a sibling, also caused by PaymentConfirmed) may be journaled
    // after that, so wait for the five events and the summary rather than read once.
    const resources = await waitFor(async () => {
      const { resources: all } = await cosmos.database(stack.cosmos.databaseName).container("journal").items
        .query({ query: "SELECT * FROM c WHERE c.pk = @pk", parameters: [{ name: "@pk", value: correlationId }] })
        .fetchAll();
      return all.filter((d) => d.kind === "journalEntry" || d.kind === "flowSummary").length >= 6 ? all : undefined;
    }, { description: "five journal entries and the summary", timeoutInMs: 30_000 });
    expect(JSON.stringify(resources)).not.toContain("tok_visa");
    const journaled = resources.filter((d) => d.kind === "journalEntry" || d.kind === "flowSummary");
    expect(journaled.length).toBeGreaterThanOrEqual(6);
    expect(journaled.map((d) => [d.kind, d.ttl]).filter(([, ttl]) => ttl !== 30 * 24 * 3600)).toEqual([]);
    // A write is charged per KB started: every journal document of an order, as the server returns it, fits in one.
    expect(journaled.map((d) => [d.id, Buffer.byteLength(JSON.stringify(d))]).filter(([, bytes]) => (bytes as number) > 1024)).toEqual([]);
  });

  it("ends an order cancelled for want of stock as failed, its compensations done, waiting for nothing", async () => {
    const { correlationId } = await placeOrder("tok_visa", 0);
    await waitFor(async () => ((await listed("?flow=order&status=failed", correlationId)) ? true : undefined), { description: "the order listed as failed", timeoutInMs: 30_000 });
    // Every delivery done: the refund (and the invoice and its void, if the invoice won the race) are journaled.
    await stack.stack.eventGrid.idle(30_000);
    const flow = (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body;
    const types = (flow.events as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["Inventory.StockReservationFailed.v1", "Orders.OrderCancelled.v1", "Payments.PaymentRefunded.v1"]));
    expect(flow).toMatchObject({ status: "failed", waitingFor: [], deadLetters: [], poison: [] });
    expect(await listed("?flow=order&status=failed", correlationId)).toMatchObject({ status: "failed", endedAt: expect.any(String) });
  });

  it("draws the flow as a Mermaid sequence diagram, causes first", async () => {
    const { correlationId } = await placeOrder("tok_visa");
    // Confirmation and the invoice both follow the payment: wait for all five events.
    await waitFor(async () => ((await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body?.events?.length >= 5 ? true : undefined), { description: "completed and invoiced", timeoutInMs: 30_000 });
    const response = await fetch(`${stack.apiUrl}/flows/${correlationId}/diagram`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const lines = (await response.text()).split("\n");
    expect(lines[0]).toBe("sequenceDiagram");
    const arrows = lines.filter((l) => l.includes("->>"));
    expect(arrows[0]).toBe("  client->>orders: Orders.OrderPlaced.v2");
    expect(arrows).toEqual(expect.arrayContaining(["  orders->>inventory: Inventory.StockReserved.v1", "  orders->>payments: Payments.PaymentConfirmed.v1"]));
    expect(arrows.indexOf("  payments->>invoicing: Invoicing.InvoiceSent.v1")).toBeGreaterThan(arrows.indexOf("  orders->>payments: Payments.PaymentConfirmed.v1"));
  });

  it.each([
    ["/flows?status=done", 400],
    ["/flows?flow=shipping", 400],
    ["/flows?limit=0", 400],
    ["/flows?limit=501", 400],
    ["/flows/no-such-flow/diagram", 404],
  ])("answers %s with %i problem+json", async (path, status) => {
    const response = await fetch(`${stack.apiUrl}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("shows a sign-up as stalled waiting for the CRM while the CRM is down, and warns once in the log", async () => {
    const setOutage = (down: boolean) => sendJson("PUT", `${stack.devUrl}/dev/crm/outage`, { down });
    await setOutage(true);
    try {
      const signedUp = await sendJson("POST", `${stack.apiUrl}/users`, { email: `stall-${Date.now()}@example.com`, name: "Stella Stalled" });
      expect(signedUp.status).toBe(202);
      const correlationId = signedUp.body.correlationId as string;
      const item = await waitFor(async () => listed("?status=stalled&flow=onboarding", correlationId), {
        description: "the sign-up listed as stalled",
        timeoutInMs: ONBOARDING_DEADLINE_MS + 20_000,
        intervalInMs: 250,
      });
      // Email, credits, wallet and recipient are done (or owe nothing): the CRM is all the flow waits for.
      expect(item).toMatchObject({ flow: "onboarding", status: "stalled", endedAt: null });
      const flow = (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body;
      expect(flow).toMatchObject({ status: "stalled", waitingFor: ["crm-addContactWhenUserSignedUp"] });
      expect(JSON.stringify(flow)).not.toMatch(/Stella|stall-\d+@example\.com/);
      await getJson(`${stack.apiUrl}/flows?status=stalled`);
      const warnings = stack.logs().split("\n").filter((l) => l.includes(`[flow ${correlationId}] stalled:`));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("crm-addContactWhenUserSignedUp");
    } finally {
      await setOutage(false);
    }
  }, 60_000);

  it("shows the poison records a flow's malformed event left in each service", async () => {
    const { correlationId } = await placeOrder("tok_visa");
    await waitFor(async () => ((await listed("?status=completed", correlationId)) ? true : undefined), { description: "completed", timeoutInMs: 30_000 });
    const client = new EventGridPublisherClient(stack.topicEndpoint("orders"), "CloudEvent", new AzureKeyCredential(stack.topicKey), { allowInsecureConnection: true });
    await client.send([{ type: "Orders.OrderPlaced.v2", source: "/tests", id: `bad-${Date.now()}`, data: { orderId: "x" }, extensionAttributes: { correlationid: correlationId } }]);
    await stack.stack.eventGrid.idle(30_000);
    // Incident sources are read at most every INCIDENT_SNAPSHOT_MS, so a new poison record shows within that.
    const flow = await waitFor(async () => {
      const body = (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body;
      return body.poison?.length >= 2 ? body : undefined;
    }, { description: "both poison records in the flow view", timeoutInMs: 10_000 });
    expect(flow.poison.map((p: any) => `${p.container}/${p.reaction}`).sort()).toEqual(["inventory/reserveStockWhenOrderPlaced", "payments/chargePaymentWhenOrderPlaced"]);
    expect(flow.poison[0]).toMatchObject({ eventType: "Orders.OrderPlaced.v2", reason: expect.stringMatching(/Invalid data/) });
    // A parked event is never answered: the reactions that parked it count as waited-for, though the flow completed.
    expect(flow).toMatchObject({ status: "completed", waitingFor: ["inventory-reserveStockWhenOrderPlaced", "payments-chargePaymentWhenOrderPlaced"] });
  });
});
