import { createEventGridPublisher } from "../../../src/platform/publisher";
import { CloudEventEnvelope } from "../../../src/events/envelope";

const envelope = (type: string, id: string): CloudEventEnvelope => ({
  specversion: "1.0", id, source: "/services/x", type, time: "2026-01-01T00:00:00.000Z", correlationid: "flow", causationid: "cause",
  traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01", data: { orderId: "o" },
});

describe("Event Grid publisher adapter", () => {
  it("sends each event to its topic's client with the flow extensions as CloudEvent extension attributes", async () => {
    const orders = { send: jest.fn().mockResolvedValue(undefined) };
    const users = { send: jest.fn().mockResolvedValue(undefined) };
    const publisher = createEventGridPublisher({ orders, users });
    await publisher.publishEvents([envelope("Orders.OrderConfirmed.v1", "1"), envelope("Inventory.StockReserved.v1", "2")]);
    expect(users.send).not.toHaveBeenCalled();
    expect(orders.send).toHaveBeenCalledTimes(1);
    const [sent] = orders.send.mock.calls[0]!;
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      id: "1", type: "Orders.OrderConfirmed.v1", source: "/services/x", data: { orderId: "o" },
      extensionAttributes: { correlationid: "flow", causationid: "cause", traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01" },
    });
    expect(sent[0].time).toEqual(new Date("2026-01-01T00:00:00.000Z"));
  });

  it("refuses an unknown event type and a topic without a configured endpoint", async () => {
    const publisher = createEventGridPublisher({});
    await expect(publisher.publishEvents([envelope("Nope.v1", "1")])).rejects.toThrow(/unknown event type/);
    await expect(publisher.publishEvents([envelope("Orders.OrderConfirmed.v1", "1")])).rejects.toThrow(/EVENTGRID_ORDERS__topicEndpointUri/);
  });

  it("propagates a send failure so the caller's delivery is retried", async () => {
    const publisher = createEventGridPublisher({ orders: { send: jest.fn().mockRejectedValue(new Error("503")) } });
    await expect(publisher.publishEvents([envelope("Orders.OrderConfirmed.v1", "1")])).rejects.toThrow("503");
  });
});
