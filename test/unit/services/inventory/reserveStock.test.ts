import { STOCK_PARTITION, StockDocument, reservationDocument } from "../../../../src/services/inventory/documents";
import { reserveStock } from "../../../../src/services/inventory/reserveStockWhenOrderPlaced";
import { releaseStock } from "../../../../src/services/inventory/releaseStockWhenOrderCancelled";
import { anEvent, decisionContext } from "../../../support/events";

const stock = (sku: string, available: number, reserved = 0): StockDocument => ({
  id: `stock:${sku}`, pk: STOCK_PARTITION, kind: "stock", sku, available, reserved,
});
const orderPlaced = (items: { sku: string; quantity: number }[]) =>
  anEvent("Orders.OrderPlaced.v1", {
    orderId: "o-1", customerId: "c-1", currency: "EUR", total: 10, paymentToken: "tok_visa",
    items: items.map((i) => ({ ...i, unitPrice: 1 })),
  });

describe("inventory: reserve stock when an order is placed", () => {
  it("given enough stock of every item, takes every item out of the available stock, records the reservation and publishes StockReserved", () => {
    const state = { reservation: undefined, stock: new Map([["A", stock("A", 5)], ["B", stock("B", 1)]]) };
    const decision = reserveStock(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }]), state, decisionContext());
    expect(decision.changes).toEqual([
      { put: expect.objectContaining({ sku: "A", available: 3, reserved: 2 }) },
      { put: expect.objectContaining({ sku: "B", available: 0, reserved: 1 }) },
      { put: expect.objectContaining({ id: "reservation:o-1", status: "Reserved" }) },
    ]);
    expect(decision.publish).toEqual([
      { type: "Inventory.StockReserved.v1", subject: "orders/o-1", data: { orderId: "o-1", items: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }] } },
    ]);
  });

  it("given one item short, reserves nothing at all and publishes StockReservationFailed naming the shortage", () => {
    const state = { reservation: undefined, stock: new Map([["A", stock("A", 5)], ["B", stock("B", 1)]]) };
    const decision = reserveStock(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "B", quantity: 2 }]), state, decisionContext());
    expect(decision.changes.filter((c) => c.put.kind === "stock")).toEqual([]);
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Rejected" }) }]);
    expect(decision.publish[0]).toMatchObject({
      type: "Inventory.StockReservationFailed.v1",
      data: { orderId: "o-1", shortages: [{ sku: "B", requested: 2, available: 1 }] },
    });
  });

  it("given an unknown SKU, treats it as zero available", () => {
    const decision = reserveStock(orderPlaced([{ sku: "GHOST", quantity: 1 }]), { reservation: undefined, stock: new Map() }, decisionContext());
    expect(decision.publish[0]).toMatchObject({ data: { shortages: [{ sku: "GHOST", requested: 1, available: 0 }] } });
  });

  it("given the same SKU twice in one order, reserves the sum", () => {
    const state = { reservation: undefined, stock: new Map([["A", stock("A", 3)]]) };
    const decision = reserveStock(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "A", quantity: 2 }]), state, decisionContext());
    expect(decision.publish[0]?.type).toBe("Inventory.StockReservationFailed.v1");
  });

  it("given the order was cancelled before it arrived, reserves nothing", () => {
    const state = {
      reservation: reservationDocument("o-1", "CancelledBeforeReservation", [], "t"),
      stock: new Map([["A", stock("A", 5)]]),
    };
    expect(reserveStock(orderPlaced([{ sku: "A", quantity: 1 }]), state, decisionContext())).toEqual({ changes: [], publish: [] });
  });
});

describe("inventory: release stock when an order is cancelled", () => {
  const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "Payment declined" });

  it("given a reservation, gives the units back and publishes StockReleased", () => {
    const reservation = { ...reservationDocument("o-1", "Reserved", [{ sku: "A", quantity: 2 }], "t")};
    const decision = releaseStock(cancelled, { reservation, stock: new Map([["A", stock("A", 3, 2)]]) }, decisionContext());
    expect(decision.changes).toEqual([
      { put: expect.objectContaining({ available: 5, reserved: 0 }) },
      { put: expect.objectContaining({ status: "Released" }) },
    ]);
    expect(decision.publish).toEqual([
      { type: "Inventory.StockReleased.v1", subject: "orders/o-1", data: { orderId: "o-1", items: [{ sku: "A", quantity: 2 }] } },
    ]);
  });

  it("given no reservation yet, leaves a marker so a late OrderPlaced reserves nothing, and reports NotReserved at once", () => {
    const decision = releaseStock(cancelled, { reservation: undefined, stock: new Map() }, decisionContext());
    expect(decision).toEqual({
      changes: [{ put: expect.objectContaining({ status: "CancelledBeforeReservation" }) }],
      publish: [
        {
          type: "Inventory.StockReservationFailed.v1",
          subject: "orders/o-1",
          data: { orderId: "o-1", reason: "Not reserved: the order was already cancelled", code: "OrderAlreadyCancelled", shortages: [] },
        },
      ],
    });
  });

  it("given the marker, a late OrderPlaced reserves nothing and publishes nothing more (the outcome is out)", () => {
    const marker = reservationDocument("o-1", "CancelledBeforeReservation", [], "t");
    const state = { reservation: marker, stock: new Map([["A", stock("A", 5)]]) };
    expect(reserveStock(orderPlaced([{ sku: "A", quantity: 1 }]), state, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given a rejected reservation, has nothing to give back", () => {
    const reservation = { ...reservationDocument("o-1", "Rejected", [{ sku: "A", quantity: 2 }], "t")};
    expect(releaseStock(cancelled, { reservation, stock: new Map() }, decisionContext())).toEqual({ changes: [], publish: [] });
  });
});
