import { CloudEventEnvelope } from "#src/events/envelope";
import { flowDiagram } from "#src/services/journal/diagram";

const ev = (id: string, type: string, source: string, causationid?: string): CloudEventEnvelope => ({
  specversion: "1.0", id, source, type, time: "2026-01-01T00:00:00Z", correlationid: "c-1", ...(causationid ? { causationid } : {}), data: {},
});

describe("flow diagram (Mermaid)", () => {
  it("draws one arrow per event from the causing service to the publishing one, services in order of appearance", () => {
    const text = flowDiagram("c-1", [
      ev("a", "Orders.OrderPlaced.v2", "/services/orders"),
      ev("b", "Inventory.StockReserved.v1", "/services/inventory", "a"),
      ev("c", "Payments.PaymentConfirmed.v1", "/services/payments", "a"),
      ev("d", "Orders.OrderConfirmed.v1", "/services/orders", "c"),
    ]);
    expect(text.split("\n")).toEqual([
      "sequenceDiagram",
      "  %% flow c-1",
      "  participant client",
      "  participant orders",
      "  participant inventory",
      "  participant payments",
      "  client->>orders: Orders.OrderPlaced.v2",
      "  orders->>inventory: Inventory.StockReserved.v1",
      "  orders->>payments: Payments.PaymentConfirmed.v1",
      "  payments->>orders: Orders.OrderConfirmed.v1",
      "",
    ]);
  });

  it("cannot be broken out of by a hostile type or source", () => {
    const text = flowDiagram("c-1", [ev("a", "X;\nparticipant evil: #<b>", "/services/orders\nNote over x: y")]);
    expect(text.split("\n")).toHaveLength(5);
    expect(text.split("\n")[3]).toBe("  client->>client: X__participant_evil____b_");
  });
});
