import { traceparentFields } from "#src/events/traceparent";
import { flowStartingEvent } from "#src/platform/flowStart";
import { commitDecision, openSession } from "#src/platform/reactions";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const now = new Date("2026-11-30T12:00:00Z");
const start = (callerTraceparent?: string) =>
  flowStartingEvent({
    service: "orders",
    event: { type: "Orders.OrderConfirmed.v1", subject: "orders/o-1", data: { orderId: "o-1" } },
    eventId: "e-1",
    correlationId: "flow-1",
    now,
    callerTraceparent,
  });

describe("one envelope builder for flow starts and caused events", () => {
  it("starts a flow with no cause, continuing a valid caller's trace and only a valid one", () => {
    const started = start(`00-${traceId}-00f067aa0ba902b7-01`);
    expect(started).toMatchObject({ specversion: "1.0", id: "e-1", source: "/services/orders", correlationid: "flow-1", time: now.toISOString() });
    expect(started).not.toHaveProperty("causationid");
    expect(traceparentFields(started.traceparent)?.traceId).toBe(traceId);
    for (const invalid of [`ff-${traceId}-00f067aa0ba902b7-01`, `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, "garbage"]) {
      const fields = traceparentFields(start(invalid).traceparent);
      expect(fields?.traceId).toBeDefined();
      expect(fields?.traceId).not.toBe(traceId);
      expect(fields?.traceId).not.toBe("0".repeat(32));
    }
  });

  it("gives a caused event the cause's flow and trace, and records the cause", async () => {
    const cause = { id: "cause-1", correlationid: "flow-1", traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
    const decision = { changes: [], publish: [{ type: "Orders.OrderConfirmed.v1" as const, data: { orderId: "o-1" } }] };
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher() };
    const [caused] = await commitDecision(deps, { service: "orders", name: "updateOrderWhenStockOrPaymentSettled" }, "o-1", cause, decision, openSession(store), now);
    expect(caused).toMatchObject({ correlationid: "flow-1", causationid: "cause-1", source: "/services/orders", type: "Orders.OrderConfirmed.v1" });
    expect(traceparentFields(caused?.traceparent)?.traceId).toBe(traceId);
  });
});
