import { shardIndexFor, shardNameOf, singleShardLayout } from "#src/events/topicShards";
import { getJson, registerCard, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

/** The local stack with `orders` on three shards: the same publisher, emulator routing and subscriptions as in Azure. */
describe("orders over three topic shards on the local stack", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startLocalStackForTests({ topicLayout: { ...singleShardLayout, orders: 3 } });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("completes every order, each flow's events published on its own shard and delivered from there", async () => {
    const sku = `SKU-SHARDS-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available: 10 })).status).toBe(200);
    const placed = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const res = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-shards", items: [{ sku, quantity: 1, unitPrice: 5 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-shards") });
        expect(res.status).toBe(202);
        return res.body as { orderId: string; correlationId: string };
      }),
    );
    for (const { orderId, correlationId } of placed) {
      await waitFor(async () => ((await getJson(`${stack.apiUrl}/orders/${orderId}`)).body as { status?: string }).status === "Confirmed" || undefined, { timeoutInMs: 20_000 });
      const flow = await waitFor(async () => {
        const { body } = await getJson(`${stack.apiUrl}/flows/${correlationId}`);
        return (body as { events?: unknown[] }).events?.length === 5 ? (body as { events: { id: string }[] }) : undefined;
      }, { timeoutInMs: 20_000 });
      const ids = new Set(flow.events.map((e) => e.id));
      const topics = new Set(stack.stack.eventGrid.deliveries().filter((d) => ids.has(d.eventId)).map((d) => d.topic));
      expect(topics).toEqual(new Set([shardNameOf("orders", shardIndexFor(correlationId, 3))]));
    }
  }, 90_000);
});
