import { getJson, registerCard, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

/**
 * Faults underneath the services, injected through the stack's admin API (`/admin/faults`): the store answering 503 or
 * 429 or slowly, a topic's publish endpoint down. What the docs promise under each: a reaction that fails is retried
 * by Event Grid until it succeeds; an HTTP command answers 503 with Retry-After (and a retry with the same
 * Idempotency-Key completes it once); nothing is half-written: every flow settles, stock and charges add up.
 */
describe("faults underneath the services on the local stack", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    // The customer's card is registered before any fault, as a client keeps its saved card.
    await registerCard(stack.apiUrl, "cust-f");
  }, 90_000);
  afterAll(async () => {
    await fetch(`${stack?.devUrl}/admin/faults/store`, { method: "DELETE" }).catch(() => undefined);
    await stack?.stop();
  });

  const storeFault = async (plan: Record<string, number>) => {
    const reply = await sendJson("POST", `${stack.devUrl}/admin/faults/store`, plan);
    expect(reply.status).toBe(202);
  };
  const endStoreFault = () => fetch(`${stack.devUrl}/admin/faults/store`, { method: "DELETE" });

  let skuCounter = 0;
  const newSku = async (available: number): Promise<string> => {
    const sku = `SKU-F-${Date.now().toString(36)}-${skuCounter++}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available })).status).toBe(200);
    return sku;
  };

  /** A patient client: the same request (same Idempotency-Key) again after each 5xx, the answers kept. */
  const placeOrderPatiently = async (sku: string, key: string) => {
    const answers: { status: number; retryAfter: string | null; code?: string }[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      const reply = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-f", items: [{ sku, quantity: 1, unitPrice: 5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-f") }, { "idempotency-key": key });
      answers.push({ status: reply.status, retryAfter: reply.headers.get("retry-after"), code: reply.body?.code });
      if (reply.status < 500) return { order: reply.body as { orderId: string; status: string }, answers };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`POST /orders never succeeded: ${JSON.stringify(answers.slice(-3))}`);
  };

  const confirmed = (orderId: string) =>
    waitFor(
      async () => {
        const { status, body } = await getJson(`${stack.apiUrl}/orders/${orderId}`);
        return status === 200 && body.status === "Confirmed" ? body : undefined;
      },
      { description: `order ${orderId} confirmed`, timeoutInMs: 60_000 },
    );

  const failedAttemptsSince = (count: number) => stack.stack.eventGrid.deliveries().slice(count).filter((d) => d.outcome !== "Succeeded");

  const settleFlows = async (plan: Record<string, number>, label: string) => {
    const sku = await newSku(10);
    const before = stack.stack.eventGrid.deliveries().length;
    await storeFault(plan);
    const placed = await Promise.all([0, 1, 2, 3].map((i) => placeOrderPatiently(sku, `${label}-${sku}-${i}`)));
    const injected = (await getJson(`${stack.devUrl}/admin/faults`)).body.store as { throttled: number; unavailable: number; delayed: number } | null;
    await endStoreFault();
    for (const { order } of placed) await confirmed(order.orderId);
    await stack.stack.eventGrid.idle(30_000);
    // Nothing half-written: one reservation and one charge per order, whatever was refused on the way.
    expect((await getJson(`${stack.apiUrl}/inventory/${sku}`)).body).toMatchObject({ available: 6, reserved: 4 });
    const charges = (await getJson(`${stack.devUrl}/dev/payments/charges`)).body as { reference?: string }[];
    for (const { order } of placed) expect(charges.filter((c) => c.reference === order.orderId)).toHaveLength(1);
    return { placed, failed: failedAttemptsSince(before), injected };
  };

  it("under a store brownout (503 for half the document requests) reactions fail and are retried, and every order settles once", async () => {
    const { placed, failed, injected } = await settleFlows({ unavailableShare: 0.5, forMs: 4_000 }, "brownout");
    expect(injected?.unavailable).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((d) => d.httpStatusCode === 500)).toBe(true);
    // Whatever the commands were answered on the way (a patient client retried each 5xx), each order exists once.
    expect(new Set(placed.map((p) => p.order.orderId)).size).toBe(placed.length);
  }, 120_000);

  it("under throttling (429 with x-ms-retry-after-ms for most document requests) the SDK waits and retries, and every order settles once", async () => {
    const { injected } = await settleFlows({ throttledShare: 0.8, retryAfterMs: 20, forMs: 3_000 }, "throttled");
    expect(injected?.throttled).toBeGreaterThan(0);
  }, 120_000);

  it("with a slow store every order still settles once", async () => {
    const { failed, injected } = await settleFlows({ delayMs: 50, forMs: 3_000 }, "slow");
    expect(injected?.delayed).toBeGreaterThan(0);
    expect(failed).toEqual([]);
  }, 120_000);

  // A command's commit is a transactional batch, whose failure @azure/cosmos 4.9 rethrows as a plain Error without
  // the status: the store adapter classifies it as transient (src/platform/store.ts), so the answer is 503, not 500.
  it("answers an HTTP command 503 with Retry-After while the store is unavailable (not 500)", async () => {
    const sku = await newSku(1);
    await storeFault({ unavailableShare: 1, forMs: 60_000 });
    try {
      const reply = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-f", items: [{ sku, quantity: 1, unitPrice: 5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-f") }, { "idempotency-key": `unavailable-${sku}` });
      expect({ status: reply.status, retryAfter: reply.headers.get("retry-after") }).toEqual({ status: 503, retryAfter: "1" });
    } finally {
      await endStoreFault();
    }
  });

  it("answers a read 503 with Retry-After while the store is unavailable", async () => {
    await storeFault({ unavailableShare: 1, forMs: 60_000 });
    try {
      const reply = await getJson(`${stack.apiUrl}/orders/no-such-order`);
      expect(reply.status).toBe(503);
    } finally {
      await endStoreFault();
    }
  });

  it("while a topic's publish endpoint is down, reactions that publish to it fail and are retried; the flows complete after", async () => {
    const sku = await newSku(10);
    const before = stack.stack.eventGrid.deliveries().length;
    const placed = await Promise.all([0, 1, 2].map((i) => placeOrderPatiently(sku, `publish-outage-${sku}-${i}`)));
    // Each order's OrderPlaced is out; the reactions after it publish to the same topic, now down for a while.
    expect((await sendJson("POST", `${stack.devUrl}/admin/faults/topics/orders?downForMs=1500`, {})).status).toBe(202);
    for (const { order } of placed) await confirmed(order.orderId);
    await stack.stack.eventGrid.idle(30_000);
    const failed = failedAttemptsSince(before);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((d) => d.httpStatusCode === 500)).toBe(true);
    expect((await getJson(`${stack.apiUrl}/inventory/${sku}`)).body).toMatchObject({ available: 7, reserved: 3 });
  }, 90_000);

  it("a command accepted while its topic is down answers 202 (its event waits in the outbox); a retry with the same key publishes it", async () => {
    const sku = await newSku(2);
    expect((await sendJson("POST", `${stack.devUrl}/admin/faults/topics/orders?downForMs=60000`, {})).status).toBe(202);
    const body = { customerId: "cust-f", items: [{ sku, quantity: 1, unitPrice: 5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-f") };
    const key = `outage-${sku}`;
    let placed: { status: number; body: any };
    try {
      placed = await sendJson("POST", `${stack.apiUrl}/orders`, body, { "idempotency-key": key });
      expect(placed.status).toBe(202);
      await stack.stack.eventGrid.idle(10_000);
      expect((await getJson(`${stack.apiUrl}/orders/${placed.body.orderId}`)).body.status).toBe("Pending");
    } finally {
      expect((await sendJson("POST", `${stack.devUrl}/admin/faults/topics/orders?downForMs=0`, {})).status).toBe(202);
    }
    const again = await sendJson("POST", `${stack.apiUrl}/orders`, body, { "idempotency-key": key });
    expect(again.body.orderId).toBe(placed.body.orderId);
    await confirmed(placed.body.orderId);
    expect((await getJson(`${stack.apiUrl}/inventory/${sku}`)).body).toMatchObject({ available: 1, reserved: 1 });
  }, 90_000);

  it("refuses a fault plan out of bounds and an unknown topic", async () => {
    expect((await sendJson("POST", `${stack.devUrl}/admin/faults/store`, { unavailableShare: 2, forMs: 10 })).status).toBe(400);
    expect((await sendJson("POST", `${stack.devUrl}/admin/faults/store`, { forMs: 10, typo: 1 })).status).toBe(400);
    expect((await sendJson("POST", `${stack.devUrl}/admin/faults/topics/nope?downForMs=10`, {})).status).toBe(404);
  });
});
