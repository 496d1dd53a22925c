import { CosmosClient } from "@azure/cosmos";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { services } from "#src/topology";
import { getJson, registerCard, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";
import { A_PAYMENT_METHOD_ID, A_FUNDING_SOURCE_ID } from "../support/events";

/** The order pipeline end to end: real SDK clients, the real Functions host, Event Grid emulator and Cosmos server. */
describe("order pipeline on the local stack", () => {
  let stack: TestStack;
  let cosmos: CosmosClient;

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    cosmos = new CosmosClient({
      endpoint: stack.cosmos.endpoint,
      key: stack.cosmos.key,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
  }, 90_000);

  afterAll(async () => {
    cosmos?.dispose();
    await stack?.stop();
  });

  let skuCounter = 0;
  const newSku = async (available: number): Promise<string> => {
    const sku = `SKU-${Date.now().toString(36)}-${skuCounter++}`;
    const put = await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available });
    expect(put.status).toBe(200);
    return sku;
  };

  const placeOrder = async (sku: string, quantity: number, paymentToken: string, headers: Record<string, string> = {}) => {
    const response = await sendJson(
      "POST",
      `${stack.apiUrl}/orders`,
      { customerId: "cust-1", items: [{ sku, quantity, unitPrice: 12.5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-1", paymentToken) },
      headers,
    );
    expect(response.status).toBe(202);
    return response.body as { orderId: string; correlationId: string; status: string };
  };

  const settled = (orderId: string, predicate: (order: any) => boolean, description: string) =>
    waitFor(
      async () => {
        const { status, body } = await getJson(`${stack.apiUrl}/orders/${orderId}`);
        return status === 200 && predicate(body) ? body : undefined;
      },
      { description: `order ${orderId} ${description}`, timeoutInMs: 30_000 },
    );

  const stockOf = async (sku: string) => (await getJson(`${stack.apiUrl}/inventory/${sku}`)).body as { available: number; reserved: number };
  const charges = async () => (await getJson(`${stack.devUrl}/dev/payments/charges`)).body as { idempotencyKey: string; amount: number }[];
  const flowOf = async (correlationId: string) => (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body as { events: any[] };

  it("confirms an order with stock and a good card, invoices it, and records the whole flow in causal order", async () => {
    const sku = await newSku(3);
    const placed = await placeOrder(sku, 2, "tok_visa");
    expect(placed.status).toBe("Pending");

    const order = await settled(placed.orderId, (o) => o.status === "Confirmed" && o.invoice !== null, "confirmed and invoiced");
    expect(order).toMatchObject({ inventory: "Reserved", payment: "Charged", invoice: { status: "Sent", total: 25 } });
    expect(await stockOf(sku)).toEqual({ sku, available: 1, reserved: 2 });

    const flow = await waitFor(async () => {
      const f = await flowOf(placed.correlationId);
      return f?.events?.length >= 5 ? f : undefined;
    }, { description: "journal of the flow" });
    const types = flow.events.map((e) => e.type);
    expect(types[0]).toBe("Orders.OrderPlaced.v2");
    expect(types).toEqual(expect.arrayContaining(["Inventory.StockReserved.v1", "Payments.PaymentConfirmed.v1", "Invoicing.InvoiceSent.v1", "Orders.OrderConfirmed.v1"]));
    // Causes come before their effects, and every event carries the flow's correlation id and one trace id.
    const seen = new Set<string>();
    for (const e of flow.events) {
      if (e.causationid) expect(seen.has(e.causationid)).toBe(true);
      seen.add(e.id);
      expect(e.correlationid).toBe(placed.correlationId);
    }
    expect(new Set(flow.events.map((e) => e.traceparent.split("-")[1])).size).toBe(1);
  });

  it("cancels an order that is out of stock and refunds the payment that went through", async () => {
    const sku = await newSku(1);
    const placed = await placeOrder(sku, 2, "tok_visa");
    // Payment may be confirmed (and invoiced) before the cancellation reaches invoicing: then the invoice is voided.
    const order = await settled(
      placed.orderId,
      (o) => o.status === "Cancelled" && o.payment === "Refunded" && o.invoice?.status !== "Sent",
      "cancelled, refunded, no invoice standing",
    );
    expect(order.inventory).toBe("Rejected");
    expect(order.reason).toMatch(/Insufficient stock/);
    expect(await stockOf(sku)).toEqual({ sku, available: 1, reserved: 0 });
  });

  it("cancels an order whose card is declined and releases its stock", async () => {
    const sku = await newSku(4);
    const placed = await placeOrder(sku, 3, "tok_decline");
    const order = await settled(placed.orderId, (o) => o.status === "Cancelled" && o.inventory === "Released", "cancelled and released");
    expect(order.payment).toBe("Declined");
    expect(order.reason).toMatch(/declined/i);
    expect(order.invoice).toBeNull();
    expect(await stockOf(sku)).toEqual({ sku, available: 4, reserved: 0 });
  });

  it("places an order through the two calls a client makes (register the card, order with its reference) and confirms it", async () => {
    const sku = await newSku(2);
    const registered = await sendJson("POST", `${stack.apiUrl}/payment-methods`, { customerId: "cust-two-calls", paymentToken: "tok_visa" }, { "idempotency-key": `card-${sku}` });
    expect(registered.status).toBe(201);
    const { paymentMethodId } = registered.body as { paymentMethodId: string };
    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-two-calls", items: [{ sku, quantity: 1, unitPrice: 7 }], currency: "EUR", paymentMethodId });
    expect(placed.status).toBe(202);
    const order = await settled((placed.body as { orderId: string }).orderId, (o) => o.status === "Confirmed", "confirmed");
    expect(order.payment).toBe("Charged");
  });

  it.each([
    ["a reference payments never issued", async () => A_PAYMENT_METHOD_ID, /is not a paymentMethod this service keeps/],
    ["another customer's card", () => registerCard(stack.apiUrl, "cust-someone-else"), /belongs to another customer/],
  ])("cancels an order naming %s without calling the gateway, and releases its stock", async (_case, reference, reason) => {
    const sku = await newSku(3);
    const chargesBefore = (await charges()).length;
    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-1", items: [{ sku, quantity: 1, unitPrice: 3 }], currency: "EUR", paymentMethodId: await reference() });
    expect(placed.status).toBe(202);
    const order = await settled((placed.body as { orderId: string }).orderId, (o) => o.status === "Cancelled" && o.inventory === "Released", "cancelled and released");
    expect(order.payment).toBe("Declined");
    expect(order.reason).toMatch(reason);
    expect((await charges()).length).toBe(chargesBefore);
    expect(await stockOf(sku)).toEqual({ sku, available: 3, reserved: 0 });
  });

  it("confirms an order whose gateway fails once (tok_flaky), charging exactly once", async () => {
    const sku = await newSku(2);
    const placed = await placeOrder(sku, 1, "tok_flaky");
    await settled(placed.orderId, (o) => o.status === "Confirmed", "confirmed");
    const placedEvent = (await flowOf(placed.correlationId)).events.find((e) => e.type === "Orders.OrderPlaced.v2");
    expect((await charges()).filter((c) => c.idempotencyKey === placedEvent.id)).toHaveLength(1);
  });

  it("reaches the same final state when every event of a flow is delivered twice", async () => {
    const sku = await newSku(5);
    const placed = await placeOrder(sku, 2, "tok_visa");
    const before = await settled(placed.orderId, (o) => o.status === "Confirmed" && o.invoice !== null, "confirmed and invoiced");
    const flow = await waitFor(async () => {
      const f = await flowOf(placed.correlationId);
      return f?.events?.length >= 5 ? f : undefined;
    }, { description: "whole flow journaled" });
    const chargesBefore = (await charges()).length;

    await stack.deliverAgain(flow.events);

    const after = (await getJson(`${stack.apiUrl}/orders/${placed.orderId}`)).body;
    expect({ ...after, updatedAt: undefined }).toEqual({ ...before, updatedAt: undefined });
    expect(await stockOf(sku)).toEqual({ sku, available: 3, reserved: 2 });
    expect((await charges()).length).toBe(chargesBefore);
    expect((await flowOf(placed.correlationId)).events).toHaveLength(flow.events.length);
  });

  it("never oversells: 20 concurrent orders for 5 units confirm exactly 5", async () => {
    const sku = await newSku(5);
    const orders = await Promise.all(Array.from({ length: 20 }, () => placeOrder(sku, 1, "tok_visa")));
    const finals = await Promise.all(
      // A cancelled order is settled once it holds no charge: refunded, or never charged because the cancellation
      // reached payments before the order did (NotCharged, as the chaos invariants accept).
      orders.map((o) => settled(o.orderId, (x) => x.status !== "Pending" && (x.status === "Confirmed" || x.payment === "Refunded" || x.payment === "NotCharged"), "settled")),
    );
    expect(finals.filter((o) => o.status === "Confirmed")).toHaveLength(5);
    expect(finals.filter((o) => o.status === "Cancelled")).toHaveLength(15);
    expect(await stockOf(sku)).toEqual({ sku, available: 0, reserved: 5 });
  }, 120_000);

  it("returns the same order for a retried Idempotency-Key and 409 for the key with another body", async () => {
    const sku = await newSku(10);
    const key = `key-${Date.now()}`;
    const first = await placeOrder(sku, 1, "tok_visa", { "Idempotency-Key": key });
    const second = await placeOrder(sku, 1, "tok_visa", { "Idempotency-Key": key });
    expect(second).toEqual(first);
    const other = await sendJson(
      "POST",
      `${stack.apiUrl}/orders`,
      { customerId: "cust-1", items: [{ sku, quantity: 2, unitPrice: 12.5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-1") },
      { "Idempotency-Key": key },
    );
    expect(other.status).toBe(409);
    expect(other.body.code).toBe("ORDER.IDEMPOTENCY_KEY_REUSED");
    await settled(first.orderId, (o) => o.status === "Confirmed", "confirmed");
    expect(await stockOf(sku)).toEqual({ sku, available: 9, reserved: 1 });
  });

  it("answers bad input on every endpoint with a 4xx problem naming the reason, and changes nothing", async () => {
    const sku = await newSku(7);
    const cases: [string, string, unknown, number, RegExp][] = [
      ["POST", "/orders", "{not json", 400, /JSON/],
      ["POST", "/orders", { customerId: "", items: [], currency: "EURO", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /customerId|items|currency/],
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 0, unitPrice: -1 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /quantity/],
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 1, unitPrice: 1.234 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /decimals/],
      ["POST", "/orders", { customerId: "c".repeat(70_000), items: [{ sku, quantity: 1, unitPrice: 1 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 413, /exceeds/],
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 1, unitPrice: 1 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID, admin: true }, 400, /admin|Unrecognized/i],
      // Money is bounded and exact in cents: a huge price is refused by name, never overflowed into a 500 or charged.
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 10_000, unitPrice: 1e306 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /items\.0\.unitPrice/],
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 1, unitPrice: 1e300 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /unitPrice/],
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 1, unitPrice: 9e17 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /unitPrice/],
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 10_000, unitPrice: 1_000_000 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }, 400, /order total/],
      ["PUT", `/inventory/${sku}`, { available: -1 }, 400, /available/],
      ["PUT", `/inventory/${sku}`, { available: 1.5 }, 400, /available/],
      ["PUT", `/inventory/${sku}`, { available: "5" }, 400, /available/],
      ["PUT", "/inventory/bad%20sku", { available: 1 }, 400, /sku/],
      ["GET", "/inventory/NO-SUCH-SKU", undefined, 404, /NO-SUCH-SKU/],
      ["GET", "/orders/no-such-order", undefined, 404, /no-such-order/],
      ["GET", "/flows/no-such-flow", undefined, 404, /no-such-flow/],
    ];
    const chargesBefore = (await charges()).length;
    for (const [method, path, body, status, reason] of cases) {
      const response = body === undefined ? { ...(await getJson(`${stack.apiUrl}${path}`)), headers: undefined } : await sendJson(method, `${stack.apiUrl}${path}`, body);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect(JSON.stringify(response.body)).toMatch(reason);
      expect(response.body.code).toEqual(expect.any(String));
    }
    expect(await stockOf(sku)).toEqual({ sku, available: 7, reserved: 0 });
    await stack.stack.eventGrid.idle(10_000);
    expect((await charges()).length).toBe(chargesBefore);
  });

  it("refuses a body not declared as JSON with 415 on every write endpoint, and writes nothing", async () => {
    const sku = await newSku(4);
    const cases: [string, string, unknown][] = [
      ["POST", "/orders", { customerId: "c", items: [{ sku, quantity: 1, unitPrice: 1 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }],
      ["POST", "/payment-methods", { customerId: "c", paymentToken: "tok_visa" }],
      ["POST", "/funding-sources", { walletId: "w-none", bankToken: "bank_ok" }],
      ["PUT", `/inventory/${sku}`, { available: 99 }],
      ["POST", "/users", { email: `plain-${Date.now()}@example.com`, name: "Plain Text" }],
      ["POST", "/wallets/w-none/top-ups", { amount: 5, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }],
    ];
    const chargesBefore = (await charges()).length;
    for (const [method, path, body] of cases) {
      for (const contentType of ["text/plain", undefined]) {
        const response = await fetch(`${stack.apiUrl}${path}`, {
          method,
          headers: contentType ? { "content-type": contentType } : {},
          // Bytes, so fetch adds no content type of its own.
          body: new TextEncoder().encode(JSON.stringify(body)),
        });
        const problem = (await response.json()) as { code: string; detail: string };
        expect({ path, contentType, status: response.status, code: problem.code }).toEqual({ path, contentType, status: 415, code: "REQUEST.UNSUPPORTED_MEDIA_TYPE" });
        expect(problem.detail).toMatch(/application\/json/);
      }
    }
    expect(await stockOf(sku)).toEqual({ sku, available: 4, reserved: 0 });
    await stack.stack.eventGrid.idle(10_000);
    expect((await charges()).length).toBe(chargesBefore);
  });

  it("parks a schema-invalid event as poison, answers success, and leaves stock untouched", async () => {
    const sku = await newSku(3);
    const client = new EventGridPublisherClient(stack.topicEndpoint("orders"), "CloudEvent", new AzureKeyCredential(stack.topicKey), {
      allowInsecureConnection: true,
    });
    const poisonId = `poison-${Date.now()}`;
    await client.send([
      {
        id: poisonId,
        type: "Orders.OrderPlaced.v2",
        source: "/tests",
        data: { orderId: "o-poison", items: [{ sku, quantity: "lots" }] },
        extensionAttributes: { correlationid: "poison-flow" },
      },
    ]);
    await stack.stack.eventGrid.idle(10_000);
    const { resources } = await cosmos
      .database(stack.cosmos.databaseName)
      .container("inventory")
      .items.query({ query: "SELECT * FROM c WHERE c.pk = 'poison' AND c.event.id = @id", parameters: [{ name: "@id", value: poisonId }] })
      .fetchAll();
    expect(resources).toHaveLength(1);
    expect(resources[0].reason).toMatch(/customerId|quantity/);
    expect(stack.stack.eventGrid.deadLetters().filter((d) => d.event.id === poisonId)).toHaveLength(0);
    expect(await stockOf(sku)).toEqual({ sku, available: 3, reserved: 0 });
  });

  it("answers 500 problem+json naming a stored order that no longer matches its schema, without its data", async () => {
    const orderId = `corrupt-${Date.now().toString(36)}`;
    // As a hand edit or an older writer would leave it: everything in place but a status no version knows.
    await cosmos
      .database(stack.cosmos.databaseName)
      .container(services.orders.container)
      .items.create({
        id: `order:${orderId}`, pk: orderId, kind: "order", orderId, correlationId: "flow-x", customerId: "cust-1",
        items: [{ sku: "A", quantity: 1, unitPrice: 1 }], currency: "EUR", total: 1, status: "Teleported",
        inventory: "Pending", payment: "Pending", invoice: null, requestHash: "h", createdAt: "t", updatedAt: "t",
      });
    const response = await fetch(`${stack.apiUrl}/orders/${orderId}`);
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({
      status: 500,
      code: "STORE.CORRUPT_DOCUMENT",
      document: { id: `order:${orderId}`, partition: orderId, kind: "order" },
      path: "status",
    });
    expect(body).not.toContain("Teleported");
  });

  it("answers the Event Grid subscription handshake on a real reaction and 404 for an unknown function", async () => {
    const base = stack.stack.functionsUrls.inventory;
    const validation = await fetch(`${base}/runtime/webhooks/EventGrid?functionName=inventory-reserveStockWhenOrderPlaced`, {
      method: "POST",
      headers: { "aeg-event-type": "SubscriptionValidation", "content-type": "application/json" },
      body: JSON.stringify([{ id: "1", eventType: "Microsoft.EventGrid.SubscriptionValidationEvent", data: { validationCode: "abc-123" } }]),
    });
    expect(validation.status).toBe(200);
    expect(await validation.json()).toEqual({ validationResponse: "abc-123" });
    const unknown = await fetch(`${base}/runtime/webhooks/EventGrid?functionName=nope`, {
      method: "POST",
      headers: { "aeg-event-type": "Notification", "content-type": "application/json" },
      body: "[]",
    });
    expect(unknown.status).toBe(404);
  });
});
