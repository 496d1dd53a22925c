import { getJson, registerCard, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

/**
 * Host supervision (issue 7 item 3): a Functions host that dies is started again on the same port, as Azure restarts
 * a Function App's instance, and Event Grid's retries reach it once it is back. Split mode: one host per service.
 */
describe("local stack restarts a Functions host that dies", () => {
  let stack: TestStack;
  const admin = () => `${stack.devUrl}/admin/hosts`;
  // One host per service: each answers its own routes.
  const paymentsApi = () => `${stack.stack.functionsUrls.payments}/api`;

  beforeAll(async () => {
    stack = await startLocalStackForTests({ hostPerService: true, services: ["orders", "inventory", "payments", "invoicing", "journal"] });
    // The customers' cards are registered with payments before it is killed, as a client keeps its saved card.
    for (const customerId of ["cust-restart", "cust-midcall"]) await registerCard(paymentsApi(), customerId);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const hostOf = async (service: string) => {
    const { status, body } = await getJson(`${admin()}/${service}`);
    expect(status).toBe(200);
    return body as { url: string; pid: number | null; state: string; restarts: number; services: string[] };
  };

  it("lists every host with its services, url, pid, state and restarts", async () => {
    const { status, body } = await getJson(admin());
    expect(status).toBe(200);
    expect(body.hosts.map((h: any) => h.name).sort()).toEqual(["inventory", "invoicing", "journal", "orders", "payments"]);
    for (const h of body.hosts) {
      expect(h).toMatchObject({ services: [h.name], state: "up", restarts: 0 });
      expect(h.url).toBe(stack.stack.functionsUrls[h.name as "orders"]);
      expect(typeof h.pid).toBe("number");
    }
  });

  it("completes an order placed while payments was down, once the supervisor has restarted it on the same port", async () => {
    const before = await hostOf("payments");
    const sku = `SKU-restart-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.stack.functionsUrls.inventory}/api/inventory/${sku}`, { available: 3 })).status).toBe(200);

    const kill = await sendJson("POST", `${admin()}/payments/kill?downForMs=1500`, undefined);
    expect(kill.status).toBe(202);
    expect(kill.body.killed.pid).toBe(before.pid);
    // The process is really gone: signal 0 probes a pid without touching it.
    await waitFor(async () => {
      try {
        process.kill(before.pid!, 0);
        return undefined;
      } catch {
        return true;
      }
    }, { description: `pid ${before.pid} gone` });
    expect((await hostOf("payments")).state).not.toBe("up");

    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, {
      customerId: "cust-restart",
      items: [{ sku, quantity: 1, unitPrice: 7.25 }],
      currency: "EUR",
      paymentMethodId: await registerCard(paymentsApi(), "cust-restart"),
    });
    expect(placed.status).toBe(202);

    const after = await stack.stack.hosts.waitUntilUp("payments", { timeoutInMs: 30_000 });
    expect(after).toMatchObject({ url: before.url, state: "up", restarts: 1 });
    expect(after.pid).not.toBe(before.pid);
    expect(stack.logs()).toMatch(/\[stack\] payments host exited \(signal SIGKILL\); restarting/);

    const order = await waitFor(async () => {
      const { body } = await getJson(`${stack.apiUrl}/orders/${placed.body.orderId}`);
      return body?.status === "Confirmed" && body.invoice ? body : undefined;
    }, { description: "order confirmed after the payments host came back", timeoutInMs: 30_000 });
    expect(order).toMatchObject({ inventory: "Reserved", payment: "Charged", invoice: { status: "Sent", total: 7.25 } });
    // The order went through only because Event Grid retried a delivery the dead host had refused.
    const refused = stack.stack.eventGrid
      .deliveries()
      .filter((d) => d.subscription.includes("payments") && d.outcome !== "Succeeded" && d.eventType === "Orders.OrderPlaced.v2");
    expect(refused.length).toBeGreaterThan(0);
  }, 90_000);

  it("kills payments in the middle of a gateway charge (when=nextCall): the gateway charged once, the order still confirms", async () => {
    const before = await hostOf("payments");
    const sku = `SKU-midcall-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.stack.functionsUrls.inventory}/api/inventory/${sku}`, { available: 1 })).status).toBe(200);
    const armed = await sendJson("POST", `${admin()}/payments/kill?downForMs=500&when=nextCall`, undefined);
    expect(armed.status).toBe(202);
    expect((await hostOf("payments")).pid).toBe(before.pid);

    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-midcall", items: [{ sku, quantity: 1, unitPrice: 3.5 }], currency: "EUR", paymentMethodId: await registerCard(paymentsApi(), "cust-midcall") });
    expect(placed.status).toBe(202);
    const order = await waitFor(async () => {
      const { body } = await getJson(`${stack.apiUrl}/orders/${placed.body.orderId}`);
      return body?.status === "Confirmed" ? body : undefined;
    }, { description: "order confirmed after the mid-call crash", timeoutInMs: 30_000 });
    expect(order.payment).toBe("Charged");
    const after = await hostOf("payments");
    expect(after.pid).not.toBe(before.pid);
    expect(after.restarts).toBe(before.restarts + 1);
    // The gateway acted on the call the dead host made; the retry after the restart got the same charge back.
    const charges = (await getJson(`${stack.devUrl}/dev/payments/charges`)).body as { reference: string }[];
    expect(charges.filter((c) => c.reference === placed.body.orderId)).toHaveLength(1);
  }, 60_000);

  it("restarts a host on request and answers once it serves again", async () => {
    const before = await hostOf("inventory");
    const restarted = await sendJson("POST", `${admin()}/inventory/restart`, undefined);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ state: "up", url: before.url, restarts: before.restarts + 1 });
    expect(restarted.body.pid).not.toBe(before.pid);
    expect((await getJson(`${before.url}/api/inventory/NOPE-${Date.now()}`)).status).toBe(404);
  }, 60_000);

  it("answers problem details for an unknown service, a service this stack does not host, and a bad downForMs", async () => {
    const unknown = await sendJson("POST", `${admin()}/nonsense/kill`, undefined);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(unknown.body).toMatchObject({ status: 404, code: "HOSTS.UNKNOWN_SERVICE" });

    const notHosted = await sendJson("POST", `${admin()}/ledger/restart`, undefined);
    expect(notHosted.status).toBe(404);
    expect(notHosted.body.detail).toMatch(/No host of this stack runs service 'ledger'/);

    const noCall = await sendJson("POST", `${admin()}/orders/kill?when=nextCall`, undefined);
    expect(noCall.status).toBe(400);
    expect(noCall.body.detail).toMatch(/when=nextCall works for payments, banking/);

    const bad = await sendJson("POST", `${admin()}/orders/kill?downForMs=-5`, undefined);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("HOSTS.INVALID_REQUEST");
    expect((await hostOf("orders")).state).toBe("up");

    expect((await sendJson("GET", `${admin()}/orders/kill`, undefined)).status).toBe(405);
  });
});
