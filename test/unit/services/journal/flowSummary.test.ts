import { CloudEventEnvelope } from "#src/events/envelope";
import { addToSummary, flowSteps, flowSummaryDocumentSchema, summaryOfEvents } from "#src/services/journal/flowSummary";
import { waitingFor } from "#src/services/journal/flowStatus";

const event = (id: string, type: string, source: string, causationid?: string): CloudEventEnvelope => ({
  specversion: "1.0",
  id,
  source,
  type,
  time: "2026-01-01T00:00:00.000Z",
  correlationid: "flow-1",
  ...(causationid ? { causationid } : {}),
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  data: { orderId: "o-1" },
});

describe("the flow summary's steps", () => {
  it("keep per event only what waitingFor needs (id, type, publishing service, cause): the summary is replaced on every event", () => {
    const placed = addToSummary(undefined, event("e-1", "Orders.OrderPlaced.v2", "/services/orders"), 100);
    const summary = addToSummary(placed, event("e-2", "Inventory.StockReserved.v1", "/services/inventory", "e-1"), 100);
    expect(flowSteps(summary)).toEqual([
      { id: "e-1", type: "Orders.OrderPlaced.v2", service: "orders" },
      { id: "e-2", type: "Inventory.StockReserved.v1", service: "inventory", causationid: "e-1" },
    ]);
    // The listing's fields are the summary's own, not the steps'.
    expect(summary).toMatchObject({ startedAt: "2026-01-01T00:00:00.000Z", lastEventAt: "2026-01-01T00:00:00.000Z", lastEventType: "Inventory.StockReserved.v1", eventCount: 2 });
  });

  it("name the publishing service only when it is not the catalog's publisher of the type, or when there is none", () => {
    const summary = summaryOfEvents(
      [
        event("e-1", "Orders.OrderPlaced.v2", "/services/orders"),
        event("e-2", "Inventory.StockReserved.v1", "/services/payments", "e-1"),
        event("e-3", "Inventory.StockReserved.v1", "/admin/replay", "e-1"),
        event("e-4", "Somebody.Unknown.v1", "/services/inventory", "e-1"),
      ],
      100,
    )!;
    expect(flowSteps(summary)).toEqual([
      { id: "e-1", type: "Orders.OrderPlaced.v2", service: "orders" },
      { id: "e-2", type: "Inventory.StockReserved.v1", service: "payments", causationid: "e-1" },
      { id: "e-3", type: "Inventory.StockReserved.v1", causationid: "e-1" },
      { id: "e-4", type: "Somebody.Unknown.v1", service: "inventory", causationid: "e-1" },
    ]);
    // The service that published an event is whose answer it is, whatever its type.
    const placed = event("e-1", "Orders.OrderPlaced.v2", "/services/orders");
    const waitingAfter = (answer: CloudEventEnvelope) => waitingFor(summaryOfEvents([placed, answer], 100)!);
    expect(waitingAfter(event("e-2", "Inventory.StockReserved.v1", "/services/payments", "e-1"))).toEqual(["inventory-reserveStockWhenOrderPlaced"]);
    expect(waitingAfter(event("e-3", "Inventory.StockReserved.v1", "/admin/replay", "e-1"))).toEqual([
      "inventory-reserveStockWhenOrderPlaced",
      "payments-chargePaymentWhenOrderPlaced",
    ]);
    expect(waitingAfter(event("e-4", "Somebody.Unknown.v1", "/services/inventory", "e-1"))).toEqual(["payments-chargePaymentWhenOrderPlaced"]);
  });

  it("keep a cause that arrives after its effect (deliveries are unordered)", () => {
    const summary = summaryOfEvents(
      [event("e-2", "Inventory.StockReserved.v1", "/services/inventory", "e-1"), event("e-1", "Orders.OrderPlaced.v2", "/services/orders")],
      100,
    )!;
    expect(flowSteps(summary)).toEqual([
      { id: "e-2", type: "Inventory.StockReserved.v1", service: "inventory", causationid: "e-1" },
      { id: "e-1", type: "Orders.OrderPlaced.v2", service: "orders" },
    ]);
    expect(waitingFor(summary)).toEqual(["payments-chargePaymentWhenOrderPlaced"]);
  });

  it("refuse a stored cause that names no earlier step", () => {
    const summary = summaryOfEvents([event("e-1", "Orders.OrderPlaced.v2", "/services/orders")], 100)!;
    expect(flowSummaryDocumentSchema.safeParse({ ...summary, steps: [["e-1", "Orders.OrderPlaced.v2", 0]] }).success).toBe(false);
    expect(flowSummaryDocumentSchema.safeParse({ ...summary, steps: [["e-1", "Orders.OrderPlaced.v2"], ["e-2", "Orders.OrderConfirmed.v1", 0]] }).success).toBe(true);
  });
});

/**
 * What the local Cosmos server adds to a stored document (`_rid`, `_self`, `_etag`, `_ts`), measured on a journal
 * summary read back with the real client: 172 bytes whatever the document.
 */
const SYSTEM_PROPERTIES_BYTES = 172;
/** The bench charges a write 5 RU per KB started: a summary over this costs 10 RU per event instead of 5. */
const ONE_KB = 1024;

describe("the flow summary's size", () => {
  // Real-size values: ids are UUIDs, times ISO strings, sources and types as the services publish them.
  const uuid = (n: number) => `${String(n).padStart(8, "0")}-10cc-8899-9efc-bad60b17f01b`;
  const correlationid = "b360e8d1-c130-880f-b219-5f919addabf7";
  let n = 0;
  const published = (type: string, service: string, cause?: CloudEventEnvelope): CloudEventEnvelope => ({
    specversion: "1.0",
    id: uuid(++n),
    source: `/services/${service}`,
    type,
    subject: "orders/6072c217-6484-42d2-a261-8cd9654f3259",
    time: new Date(Date.parse("2026-11-30T19:57:45.173Z") + n * 50).toISOString(),
    correlationid,
    ...(cause ? { causationid: cause.id } : {}),
    traceparent: "00-744909d35273d6e4a0652b7030517661-93a00697fd99815f-01",
    data: {},
  });
  const storedBytes = (events: readonly CloudEventEnvelope[]) =>
    Buffer.byteLength(JSON.stringify(summaryOfEvents(events, 30 * 86400))) + SYSTEM_PROPERTIES_BYTES;

  it("stays within 1 KB stored for a five-event order flow", () => {
    const placed = published("Orders.OrderPlaced.v2", "orders");
    const payment = published("Payments.PaymentConfirmed.v1", "payments", placed);
    const events = [
      placed,
      published("Inventory.StockReserved.v1", "inventory", placed),
      payment,
      published("Orders.OrderConfirmed.v1", "orders", payment),
      published("Invoicing.InvoiceSent.v1", "invoicing", payment),
    ];
    expect(storedBytes(events)).toBeLessThanOrEqual(ONE_KB);
  });

  it("stays within 1 KB stored for a seven-event flow of long type names", () => {
    const signedUp = published("Users.UserSignedUp.v1", "users");
    const credits = published("Rewards.FreeCreditsAssigned.v1", "rewards", signedUp);
    const contact = published("Crm.ContactAdded.v1", "crm", signedUp);
    const events = [
      signedUp,
      credits,
      published("Email.WelcomeEmailSent.v1", "email", signedUp),
      contact,
      published("Wallet.WalletCredited.v1", "ledger", credits),
      published("Users.UserOnboarded.v1", "users", contact),
      published("Rewards.FreeCreditsAssigned.v1", "rewards", signedUp),
    ];
    expect(storedBytes(events)).toBeLessThanOrEqual(ONE_KB);
  });
});
