import { createEventGridPublisher, createTopicClients, sdkTopicSender } from "#src/platform/publisher";
import { CloudEventEnvelope } from "#src/events/envelope";
import { parseConfig } from "#src/platform/config";
import { shardIndexFor } from "#src/events/topicShards";

const envelope = (type: string, id: string): CloudEventEnvelope => ({
  specversion: "1.0", id, source: "/services/x", type, time: "2026-01-01T00:00:00.000Z", correlationid: "flow", causationid: "cause",
  traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01", data: { orderId: "o" },
});

describe("Event Grid publisher adapter", () => {
  it("sends each topic's events together, in order, to that topic's sender only", async () => {
    const orders = { sendEvents: jest.fn().mockResolvedValue(undefined) };
    const users = { sendEvents: jest.fn().mockResolvedValue(undefined) };
    const wallet = { sendEvents: jest.fn().mockResolvedValue(undefined) };
    const publisher = createEventGridPublisher({ orders: [orders], users: [users], wallet: [wallet] });
    await publisher.publishEvents([
      envelope("Orders.OrderConfirmed.v1", "1"),
      envelope("Users.UserSignedUp.v1", "2"),
      envelope("Inventory.StockReserved.v1", "3"),
    ]);
    expect(wallet.sendEvents).not.toHaveBeenCalled();
    expect(orders.sendEvents).toHaveBeenCalledTimes(1);
    expect(orders.sendEvents.mock.calls[0]![0].map((e: CloudEventEnvelope) => e.id)).toEqual(["1", "3"]);
    expect(users.sendEvents.mock.calls[0]![0].map((e: CloudEventEnvelope) => e.id)).toEqual(["2"]);
  });

  it("refuses an unknown event type and a topic without a configured endpoint", async () => {
    const publisher = createEventGridPublisher({});
    await expect(publisher.publishEvents([envelope("Nope.v1", "1")])).rejects.toThrow(/unknown event type/);
    await expect(publisher.publishEvents([envelope("Orders.OrderConfirmed.v1", "1")])).rejects.toThrow(/EVENTGRID_ORDERS__topicEndpointUri/);
  });

  it("propagates a send failure so the caller's delivery is retried", async () => {
    const publisher = createEventGridPublisher({ orders: [{ sendEvents: jest.fn().mockRejectedValue(new Error("503")) }] });
    await expect(publisher.publishEvents([envelope("Orders.OrderConfirmed.v1", "1")])).rejects.toThrow("503");
  });

  it("SDK sender: hands the SDK its CloudEvent model, the flow extensions as extension attributes", async () => {
    const client = { send: jest.fn().mockResolvedValue(undefined) };
    await sdkTopicSender(client).sendEvents([envelope("Orders.OrderConfirmed.v1", "1")]);
    const [sent] = client.send.mock.calls[0]!;
    expect(sent[0]).toMatchObject({
      id: "1", type: "Orders.OrderConfirmed.v1", source: "/services/x", data: { orderId: "o" },
      extensionAttributes: { correlationid: "flow", causationid: "cause", traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01" },
    });
    expect(sent[0].time).toEqual(new Date("2026-01-01T00:00:00.000Z"));
  });

  it("refuses a plain http topic endpoint unless insecure connections are allowed (local emulators only)", () => {
    const env = { COSMOS__accountEndpoint: "https://cosmos.example", EVENTGRID_ORDERS__topicEndpointUri: "http://127.0.0.1:1/orders/api/events" };
    expect(() => createTopicClients(parseConfig(env), () => { throw new Error("no credential needed"); })).toThrow(/plain http/);
    const senders = createTopicClients(parseConfig({ ...env, ALLOW_INSECURE_CONNECTIONS: "true", EVENTGRID_ORDERS__key: "k" }), () => {
      throw new Error("a key setting must not ask for a credential");
    });
    expect(Object.keys(senders)).toEqual(["orders"]);
  });

  it("keeps every event of a flow on one shard, the same in every process, and spreads flows over all shards", async () => {
    const shards = Array.from({ length: 16 }, () => ({ sendEvents: jest.fn().mockResolvedValue(undefined) }));
    const publisher = createEventGridPublisher({ orders: shards });
    const flows = Array.from({ length: 400 }, (_, i) => `order-${i}`);
    for (const flow of flows) {
      await publisher.publishEvents([
        { ...envelope("Orders.OrderPlaced.v2", `${flow}-placed`), correlationid: flow },
        { ...envelope("Inventory.StockReserved.v1", `${flow}-reserved`), correlationid: flow },
      ]);
      await publisher.publishEvents([{ ...envelope("Orders.OrderConfirmed.v1", `${flow}-confirmed`), correlationid: flow }]);
    }
    const shardOfEvent = new Map<string, number>();
    shards.forEach((s, i) => s.sendEvents.mock.calls.forEach(([batch]: [CloudEventEnvelope[]]) => batch.forEach((e) => shardOfEvent.set(e.id, i))));
    for (const flow of flows) {
      const used = new Set(["placed", "reserved", "confirmed"].map((step) => shardOfEvent.get(`${flow}-${step}`)));
      expect(used).toEqual(new Set([shardIndexFor(flow, 16)]));
    }
    // Every shard takes a share (400 flows over 16: 25 each on average), none more than twice its share.
    const perShard = shards.map((_, i) => flows.filter((f) => shardIndexFor(f, 16) === i).length);
    expect(Math.min(...perShard)).toBeGreaterThan(0);
    expect(Math.max(...perShard)).toBeLessThan(50);
  });

  it("picks a flow's shard from its correlation id alone: a fixed FNV-1a, not the process or the order of calls", () => {
    // Pinned (FNV-1a of "a" is 0xe40c292c): a changed hash would move flows in flight between shards on a rolling deploy.
    expect(["a", "order-1", "9f8e"].map((id) => shardIndexFor(id, 16))).toEqual([12, 13, 13]);
    expect(shardIndexFor("anything", 1)).toBe(0);
  });

  it("reads one endpoint setting per shard and refuses a gap in the shard numbers", () => {
    const base = { COSMOS__accountEndpoint: "https://cosmos.example" };
    const config = parseConfig({
      ...base,
      EVENTGRID_ORDERS__topicEndpointUri: "https://orders.example/api/events",
      EVENTGRID_ORDERS_1__topicEndpointUri: "https://orders-1.example/api/events",
    });
    expect(config.topics.orders?.map((s) => s.endpoint)).toEqual(["https://orders.example/api/events", "https://orders-1.example/api/events"]);
    expect(() => parseConfig({ ...base, EVENTGRID_ORDERS__topicEndpointUri: "https://o.example", EVENTGRID_ORDERS_2__topicEndpointUri: "https://o2.example" })).toThrow(
      /orders has 2 shard endpoint setting\(s\) but not shards 0…1/,
    );
  });
});
