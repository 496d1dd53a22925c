import { createEventGridPublisher, createTopicClients, sdkTopicSender } from "#src/platform/publisher";
import { CloudEventEnvelope } from "#src/events/envelope";
import { parseConfig } from "#src/platform/config";

const envelope = (type: string, id: string): CloudEventEnvelope => ({
  specversion: "1.0", id, source: "/services/x", type, time: "2026-01-01T00:00:00.000Z", correlationid: "flow", causationid: "cause",
  traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01", data: { orderId: "o" },
});

describe("Event Grid publisher adapter", () => {
  it("sends each topic's events together, in order, to that topic's sender only", async () => {
    const orders = { sendEvents: jest.fn().mockResolvedValue(undefined) };
    const users = { sendEvents: jest.fn().mockResolvedValue(undefined) };
    const wallet = { sendEvents: jest.fn().mockResolvedValue(undefined) };
    const publisher = createEventGridPublisher({ orders, users, wallet });
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
    const publisher = createEventGridPublisher({ orders: { sendEvents: jest.fn().mockRejectedValue(new Error("503")) } });
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
});
