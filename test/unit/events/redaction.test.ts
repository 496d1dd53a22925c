import { eventCatalog, eventTypes } from "#src/events/catalog";
import { REDACTED, redactData, redactEvent } from "#src/events/redaction";
import { anEvent } from "../../support/events";

describe("redaction of sensitive event fields", () => {
  it("replaces the payment token of an OrderPlaced and keeps everything a person follows the flow by", () => {
    const placed = anEvent("Orders.OrderPlaced.v1", {
      orderId: "o-1",
      customerId: "c-1",
      items: [{ sku: "SKU-1", quantity: 2, unitPrice: 12.5 }],
      currency: "EUR",
      total: 25,
      paymentToken: "tok_visa",
    });
    const redacted = redactEvent(placed);
    expect(redacted.data).toEqual({ ...placed.data, paymentToken: REDACTED });
    expect({ ...redacted, data: undefined }).toEqual({ ...placed, data: undefined });
    expect(placed.data.paymentToken).toBe("tok_visa"); // the input is not modified
  });

  it("hides the email address and name of a sign-up and the bank token of a top-up", () => {
    const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada Lovelace" });
    expect(JSON.stringify(redactEvent(signedUp))).not.toMatch(/ada@example\.com|Lovelace/);
    const topUp = anEvent("Wallet.TopUpInitiated.v1", { topUpId: "t", walletId: "w", amount: 5, currency: "EUR", bankToken: "bank_ok" });
    expect(redactEvent(topUp).data).toMatchObject({ bankToken: REDACTED, amount: 5 });
  });

  it("withholds the whole data of a type the catalog does not know", () => {
    const unknown = { ...anEvent("Orders.OrderConfirmed.v1", { orderId: "o" }), type: "Shipping.Unknown.v1", data: { secret: "x" } };
    expect(redactEvent(unknown).data).toBe(REDACTED);
  });

  it("follows paths into nested objects and every array element, and leaves absent fields absent", () => {
    const data = { card: { number: "4111", brand: "visa" }, people: [{ name: "a", age: 1 }, { age: 2 }] };
    expect(redactData(data, ["card.number", "people[].name", "missing.path"])).toEqual({
      card: { number: REDACTED, brand: "visa" },
      people: [{ name: REDACTED, age: 1 }, { age: 2 }],
    });
  });

  it("marks only fields that exist in each event's schema", () => {
    for (const type of eventTypes) {
      const shape = (eventCatalog[type].schema as unknown as { shape: Record<string, unknown> }).shape;
      for (const path of eventCatalog[type].sensitive as readonly string[]) expect([type, Object.keys(shape)]).toEqual([type, expect.arrayContaining([path.split(".")[0]])]);
    }
  });
});
