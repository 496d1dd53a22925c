import { CloudEventEnvelope } from "../../../../src/events/envelope";
import { addToSummary } from "../../../../src/services/journal/flowSummary";

const event = (id: string, type: string, service: string, causationid?: string): CloudEventEnvelope => ({
  specversion: "1.0",
  id,
  source: `/services/${service}`,
  type,
  time: "2026-01-01T00:00:00.000Z",
  correlationid: "flow-1",
  ...(causationid ? { causationid } : {}),
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  data: { orderId: "o-1" },
});

describe("the flow summary's steps", () => {
  it("keep per event only what waitingFor needs (id, type, publishing service, cause): the summary is replaced on every event", () => {
    const placed = addToSummary(undefined, event("e-1", "Orders.OrderPlaced.v1", "orders"), 100);
    const summary = addToSummary(placed, event("e-2", "Inventory.StockReserved.v1", "inventory", "e-1"), 100);
    expect(summary.steps).toEqual([
      { id: "e-1", type: "Orders.OrderPlaced.v1", service: "orders" },
      { id: "e-2", type: "Inventory.StockReserved.v1", service: "inventory", causationid: "e-1" },
    ]);
    // The listing's fields are the summary's own, not the steps'.
    expect(summary).toMatchObject({ startedAt: "2026-01-01T00:00:00.000Z", lastEventAt: "2026-01-01T00:00:00.000Z", lastEventType: "Inventory.StockReserved.v1", eventCount: 2 });
  });
});
