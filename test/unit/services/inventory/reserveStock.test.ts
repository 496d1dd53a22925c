import { ReservationDocument, StockDocument, holdDocument, newStockDocument, reservationDocument, stockPartition } from "#src/services/inventory/documents";
import { reserveStock, reserveStockWhenOrderPlaced } from "#src/services/inventory/reserveStockWhenOrderPlaced";
import { releaseStockWhenOrderCancelled } from "#src/services/inventory/releaseStockWhenOrderCancelled";
import { A_PAYMENT_METHOD_ID, anEvent } from "../../../support/events";
import { specFor } from "../../../support/given";
import { checkIdempotentOnState } from "../../../support/idempotence";

const stock = (sku: string, available: number, reserved = 0): StockDocument => ({ ...newStockDocument(sku, available), reserved });
/** What the store should hold for a SKU's stock line after the attempt. */
const stockLine = (sku: string, available: number, reserved: number) => ({ id: `stock:${sku}`, pk: stockPartition(sku), available, reserved });
const hold = (sku: string, quantity: number, status: "Held" | "Released") => holdDocument("o-1", { sku, quantity }, status);
const heldLine = (sku: string, status: "Held" | "Released") => ({ id: "hold:o-1", pk: stockPartition(sku), status });
const orderPlaced = (items: { sku: string; quantity: number }[]) =>
  anEvent("Orders.OrderPlaced.v2", {
    orderId: "o-1", customerId: "c-1", currency: "EUR", total: 10, paymentMethodId: A_PAYMENT_METHOD_ID,
    items: items.map((i) => ({ ...i, unitPrice: 1 })),
  });
const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "Payment declined" });

describe("inventory: reserve stock when an order is placed (line by line, in each SKU's partition)", () => {
  const given = specFor(reserveStockWhenOrderPlaced);

  it("given enough stock of every item, holds each line in its SKU's partition, decides Reserved and publishes StockReserved", async () => {
    await given(stock("A", 5), stock("B", 1))
      .when(orderPlaced([{ sku: "B", quantity: 1 }, { sku: "A", quantity: 2 }]))
      .thenStores(stockLine("A", 3, 2), heldLine("A", "Held"), stockLine("B", 0, 1), heldLine("B", "Held"))
      .thenPuts({ id: "reservation:o-1", pk: "order:o-1", status: "Reserved" })
      .thenPublishes({
        type: "Inventory.StockReserved.v1",
        subject: "orders/o-1",
        data: { orderId: "o-1", items: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }] },
      });
  });

  it("given one line short, decides Rejected naming the shortage; the line held before it waits for the order's cancellation", async () => {
    await given(stock("A", 5), stock("B", 1))
      .when(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "B", quantity: 2 }]))
      .thenStores(stockLine("A", 3, 2), heldLine("A", "Held"), stockLine("B", 1, 0))
      .thenPuts({ kind: "reservation", status: "Rejected" })
      .thenPublishes({
        type: "Inventory.StockReservationFailed.v1",
        data: expect.objectContaining({ orderId: "o-1", code: "InsufficientStock", shortages: [{ sku: "B", requested: 2, available: 1 }] }),
      });
  });

  it("given an unknown SKU, treats it as zero available", async () => {
    await given()
      .when(orderPlaced([{ sku: "GHOST", quantity: 1 }]))
      .thenPuts({ status: "Rejected" })
      .thenPublishes({ data: expect.objectContaining({ shortages: [{ sku: "GHOST", requested: 1, available: 0 }] }) });
  });

  it("given the same SKU twice in one order, holds the sum", async () => {
    await given(stock("A", 3))
      .when(orderPlaced([{ sku: "A", quantity: 2 }, { sku: "A", quantity: 2 }]))
      .thenStores(stockLine("A", 3, 0))
      .thenPuts({ status: "Rejected" })
      .thenPublishes({ data: expect.objectContaining({ shortages: [{ sku: "A", requested: 4, available: 3 }] }) });
  });

  it("crash between lines: given the first line already held by an earlier attempt, holds only the rest and reserves", async () => {
    await given(stock("A", 0, 1), hold("A", 1, "Held"), stock("B", 1))
      .when(orderPlaced([{ sku: "A", quantity: 1 }, { sku: "B", quantity: 1 }]))
      .thenStores(stockLine("A", 0, 1), stockLine("B", 0, 1), heldLine("B", "Held"))
      .thenPuts({ status: "Reserved" })
      .thenPublishes({ type: "Inventory.StockReserved.v1" });
  });

  it("duplicate delivery: given the order already reserved, holds nothing more and decides nothing", async () => {
    await given(stock("A", 4, 1), hold("A", 1, "Held"), reservationDocument("o-1", "Reserved", [{ sku: "A", quantity: 1 }], "t"))
      .when(orderPlaced([{ sku: "A", quantity: 1 }]))
      .thenStores(stockLine("A", 4, 1))
      .thenNothingHappens();
  });

  it("cancel before: given the cancellation decided the order first, holds nothing", async () => {
    await given(reservationDocument("o-1", "CancelledBeforeReservation", [], "t"), stock("A", 5))
      .when(orderPlaced([{ sku: "A", quantity: 1 }]))
      .thenStores(stockLine("A", 5, 0))
      .thenNothingHappens();
  });

  it("cancel during: given the cancellation decided the order while an attempt held a line, the next attempt gives it back", async () => {
    await given(reservationDocument("o-1", "CancelledBeforeReservation", [], "t"), stock("A", 4, 1), hold("A", 1, "Held"))
      .when(orderPlaced([{ sku: "A", quantity: 1 }]))
      .thenStores(stockLine("A", 5, 0), heldLine("A", "Released"))
      .thenNothingHappens();
  });

  it("given a line this order already gave back, never holds it again: the order is decided without it", async () => {
    await given(stock("A", 5), hold("A", 1, "Released"))
      .when(orderPlaced([{ sku: "A", quantity: 1 }]))
      .thenStores(stockLine("A", 5, 0), heldLine("A", "Released"))
      .thenPuts({ status: "Rejected" })
      .thenPublishes({ type: "Inventory.StockReservationFailed.v1" });
  });

  it("decides once: a stored outcome leaves nothing to decide, and a decision that publishes stores one (its dedupe relies on it)", () => {
    const placed = orderPlaced([{ sku: "A", quantity: 2 }]);
    const attempts = [
      { type: "every line held", shortages: [] },
      { type: "a line short", shortages: [{ sku: "A", requested: 2, available: 1 }] },
    ];
    const published = checkIdempotentOnState({
      decide: (attempt, reservation: ReservationDocument | undefined, context) => reserveStock(placed, { reservation, shortages: attempt.shortages }, context),
      initial: () => undefined,
      events: attempts,
      runs: 50,
      seed: 7,
    });
    expect(published).toBeGreaterThan(0);
  });
});

describe("inventory: release stock when an order is cancelled", () => {
  const given = specFor(releaseStockWhenOrderCancelled);

  it("cancel after: given a reservation, gives every line back in its SKU's partition and publishes StockReleased", async () => {
    await given(reservationDocument("o-1", "Reserved", [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }], "t"), stock("A", 3, 2), hold("A", 2, "Held"), stock("B", 0, 1), hold("B", 1, "Held"))
      .when(cancelled)
      .thenStores(stockLine("A", 5, 0), heldLine("A", "Released"), stockLine("B", 1, 0), heldLine("B", "Released"))
      .thenPuts({ id: "reservation:o-1", status: "Released" })
      .thenPublishes({ type: "Inventory.StockReleased.v1", subject: "orders/o-1", data: { orderId: "o-1", items: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }] } });
  });

  it("crash between lines of a release: given one line already given back, gives back the other only", async () => {
    await given(reservationDocument("o-1", "Reserved", [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 1 }], "t"), stock("A", 5, 0), hold("A", 2, "Released"), stock("B", 0, 1), hold("B", 1, "Held"))
      .when(cancelled)
      .thenStores(stockLine("A", 5, 0), stockLine("B", 1, 0), heldLine("B", "Released"))
      .thenPuts({ status: "Released" })
      .thenPublishes({ type: "Inventory.StockReleased.v1" });
  });

  it("cancel before: given no reservation yet, decides the order itself so a late OrderPlaced holds nothing, and reports it at once", async () => {
    await given(stock("A", 5))
      .when(cancelled)
      .thenPuts({ id: "reservation:o-1", pk: "order:o-1", status: "CancelledBeforeReservation" })
      .thenPublishes({
        type: "Inventory.StockReservationFailed.v1",
        subject: "orders/o-1",
        data: { orderId: "o-1", reason: "Not reserved: the order was already cancelled", code: "OrderAlreadyCancelled", shortages: [] },
      });
  });

  it("given a rejected reservation, gives back the lines held before the shortage was found, and publishes nothing more", async () => {
    await given(reservationDocument("o-1", "Rejected", [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 2 }], "t"), stock("A", 3, 2), hold("A", 2, "Held"), stock("B", 1))
      .when(cancelled)
      .thenStores(stockLine("A", 5, 0), heldLine("A", "Released"), stockLine("B", 1, 0))
      .thenNothingHappens();
  });

  it("duplicate delivery: given the order already released, gives nothing back twice", async () => {
    await given(reservationDocument("o-1", "Released", [{ sku: "A", quantity: 2 }], "t"), stock("A", 5, 0), hold("A", 2, "Released"))
      .when(cancelled)
      .thenStores(stockLine("A", 5, 0))
      .thenNothingHappens();
  });
});
