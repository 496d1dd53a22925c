import { causalOrder } from "#src/services/journal/causalOrder";
import { anEvent } from "../../../support/events";

describe("journal: causal order of a flow", () => {
  it("puts every cause before its effects even when the effect's clock is earlier", () => {
    const placed = anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }, { id: "a", time: "2026-01-01T00:00:05Z" });
    const effect = anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }, { id: "b", causationid: "a", time: "2026-01-01T00:00:01Z" });
    const grandchild = anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }, { id: "c", causationid: "b", time: "2026-01-01T00:00:00Z" });
    expect(causalOrder([grandchild, effect, placed]).map((e) => e.id)).toEqual(["a", "b", "c"]);
  });

  it("orders independent events by time, then id", () => {
    const x = anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }, { id: "x", time: "2026-01-01T00:00:02Z" });
    const y = anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }, { id: "y", time: "2026-01-01T00:00:01Z" });
    const z = anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }, { id: "w", time: "2026-01-01T00:00:02Z" });
    expect(causalOrder([x, y, z]).map((e) => e.id)).toEqual(["y", "w", "x"]);
  });
});
