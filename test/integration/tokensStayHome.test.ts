import { CosmosClient } from "@azure/cosmos";
import { serviceNames, services } from "#src/topology";
import { getJson, registerBankAccount, registerCard, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

/**
 * High-value tokens stay with the service that spends them (infra/README.md, "Sensitive fields"): after an order, a
 * cancelled order, a sign-up and a top-up have run end to end, the card token is found in payments' container only and
 * the bank token in banking's only — not in any other service's documents, outboxes or inboxes, nor in the journal,
 * which holds every event published.
 */
describe("tokens stay home", () => {
  let stack: TestStack;
  let cosmos: CosmosClient;

  beforeAll(async () => {
    stack = await startLocalStackForTests();
    cosmos = new CosmosClient({ endpoint: stack.cosmos.endpoint, key: stack.cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
  }, 90_000);

  afterAll(async () => {
    cosmos?.dispose();
    await stack?.stop();
  });

  const everyDocumentOf = async (container: string): Promise<string> => {
    const { resources } = await cosmos.database(stack.cosmos.databaseName).container(container).items.readAll().fetchAll();
    return JSON.stringify(resources);
  };

  it("after orders and a top-up, the card token is only in payments and the bank token only in banking", async () => {
    const sku = `SKU-TOKENS-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available: 1 })).status).toBe(200);
    const order = async (quantity: number) => {
      const placed = await sendJson("POST", `${stack.apiUrl}/orders`, {
        customerId: "cust-tokens",
        items: [{ sku, quantity, unitPrice: 4 }],
        currency: "EUR",
        paymentMethodId: await registerCard(stack.apiUrl, "cust-tokens", "tok_visa"),
      });
      expect(placed.status).toBe(202);
      return (placed.body as { orderId: string }).orderId;
    };
    const confirmed = await order(1);
    const cancelled = await order(5); // out of stock: the charge made on the card is refunded
    for (const [orderId, status] of [[confirmed, "Confirmed"], [cancelled, "Cancelled"]] as const) {
      await waitFor(async () => ((await getJson(`${stack.apiUrl}/orders/${orderId}`)).body?.status === status ? true : undefined), { description: `order ${status}`, timeoutInMs: 30_000 });
    }

    const signedUp = await sendJson("POST", `${stack.apiUrl}/users`, { email: `tokens-${Date.now()}@example.com`, name: "Token Keeper" });
    const walletId = (signedUp.body as { userId: string }).userId;
    await waitFor(async () => ((await getJson(`${stack.apiUrl}/wallets/${walletId}`)).status === 200 ? true : undefined), { description: "the wallet", timeoutInMs: 30_000 });
    const topUp = await sendJson("POST", `${stack.apiUrl}/wallets/${walletId}/top-ups`, {
      amount: 5,
      currency: "EUR",
      fundingSourceId: await registerBankAccount(stack.apiUrl, walletId, "bank_ok"),
    });
    expect(topUp.status).toBe(202);
    const topUpId = (topUp.body as { topUpId: string }).topUpId;
    await waitFor(async () => ((await getJson(`${stack.apiUrl}/wallets/${walletId}/top-ups/${topUpId}`)).body?.status === "Succeeded" ? true : undefined), {
      description: "the top-up",
      timeoutInMs: 30_000,
    });
    await stack.stack.eventGrid.idle(30_000);

    const holders = { tok_visa: [] as string[], bank_ok: [] as string[] };
    for (const service of serviceNames) {
      const documents = await everyDocumentOf(services[service].container);
      for (const token of Object.keys(holders) as (keyof typeof holders)[]) if (documents.includes(`"${token}"`)) holders[token].push(service);
    }
    expect(holders).toEqual({ tok_visa: ["payments"], bank_ok: ["banking"] });
    // What Event Grid gave up on is stored too (dead-letter blobs in Azure): no token there either.
    const deadLetters = JSON.stringify(await stack.deadLetters());
    expect(Object.keys(holders).filter((token) => deadLetters.includes(`"${token}"`))).toEqual([]);
  }, 120_000);
});
