import { STOCK_PARTITION, StockDocument, reservationDocument } from "#src/services/inventory/documents";
import { reserveStockWhenOrderPlaced } from "#src/services/inventory/reserveStockWhenOrderPlaced";
import { releaseStock } from "#src/services/inventory/releaseStockWhenOrderCancelled";
import { A_PAYMENT_METHOD_ID, anEvent, decisionContext } from "../../../support/events";
import { specFor } from "../../../support/given";

const stock = (sku: string, available: number, reserved = 0): StockDocument => ({
  id: `stock:${sku}`, pk: STOCK_PARTITION, kind: "stock", sku, available, reserved,
});
const orderPlaced = (items: { sku: string; quantity: number }[]) =>
  anEvent("Orders.OrderPlaced.v2", {
    orderId: "o-1", customerId: "c-1", currency: "EUR", total: 10, paymentMethodId: A_PAYMENT_METHOD_ID,
    items: items.map((i) => ({ ...i, unitPrice: 1 })),
  });

describe("inventory: reserve stock when an order is placed", () => {
  const given = specFor(reserveStockWhenOrderPlaced);

  it("given enough stock of every item, takes every item out of the available stock, records the reservation and publishes StockReserved", async () => {
    await given(stock("A", 5), stock("B", 1))
      .when(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }]))
      .thenPuts({ sku: "A", available: 3, reserved: 2 }, { sku: "B", available: 0, reserved: 1 }, { id: "reservation:o-1", status: "Reserved" })
      .thenPublishes({
        type: "Inventory.StockReserved.v1",
        subject: "orders/o-1",
        data: { orderId: "o-1", items: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }] },
      });
  });

  it("given one item short, reserves nothing at all and publishes StockReservationFailed naming the shortage", async () => {
    await given(stock("A", 5), stock("B", 1))
      .when(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "B", quantity: 2 }]))
      .thenPuts({ kind: "reservation", status: "Rejected" })
      .thenPublishes({
        type: "Inventory.StockReservationFailed.v1",
        data: expect.objectContaining({ orderId: "o-1", shortages: [{ sku: "B", requested: 2, available: 1 }] }),
      });
  });

  it("given an unknown SKU, treats it as zero available", async () => {
    await given()
      .when(orderPlaced([{ sku: "GHOST", quantity: 1 }]))
      .thenPuts({ status: "Rejected" })
      .thenPublishes({ data: expect.objectContaining({ shortages: [{ sku: "GHOST", requested: 1, available: 0 }] }) });
  });

  it("given the same SKU twice in one order, reserves the sum", async () => {
    await given(stock("A", 3))
      .when(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "A", quantity: 2 }]))
      .thenPuts({ status: "Rejected" })
      .thenPublishes({ type: "Inventory.StockReservationFailed.v1" });
  });

  it("given the order was cancelled before it arrived, reserves nothing", async () => {
    await given(reservationDocument("o-1", "CancelledBeforeReservation", [], "t"), stock("A", 5))
      .when(orderPlaced([{ sku: "A", quantity: 1 }]))
      .thenNothingHappens();
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

  it("given the marker, a late OrderPlaced reserves nothing and publishes nothing more (the outcome is out)", async () => {
    const marker = reservationDocument("o-1", "CancelledBeforeReservation", [], "t");
    await specFor(reserveStockWhenOrderPlaced)(marker, stock("A", 5)).when(orderPlaced([{ sku: "A", quantity: 1 }])).thenNothingHappens();
  });

  it("given a rejected reservation, has nothing to give back", () => {
    const reservation = { ...reservationDocument("o-1", "Rejected", [{ sku: "A", quantity: 2 }], "t")};
    expect(releaseStock(cancelled, { reservation, stock: new Map() }, decisionContext())).toEqual({ changes: [], publish: [] });
  });
});
