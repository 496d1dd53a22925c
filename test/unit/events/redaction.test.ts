import { eventCatalog, eventTypes } from "#src/events/catalog";
import { REDACTED, redactData, redactEvent } from "#src/events/redaction";
import { anEvent } from "../../support/events";

describe("redaction of sensitive event fields", () => {
  it("hides the email address and name of a sign-up, keeps what a person follows the flow by, and leaves the input as it was", () => {
    const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada Lovelace" });
    const redacted = redactEvent(signedUp);
    expect(redacted.data).toEqual({ userId: "u-1", email: REDACTED, name: REDACTED });
    expect({ ...redacted, data: undefined }).toEqual({ ...signedUp, data: undefined });
    expect(signedUp.data.email).toBe("ada@example.com");
  });

  it("finds nothing to hide in an order or a top-up: they name the card and the bank account by reference only", () => {
    expect(eventCatalog["Orders.OrderPlaced.v2"].sensitive).toEqual([]);
    expect(eventCatalog["Wallet.TopUpInitiated.v2"].sensitive).toEqual([]);
    for (const type of eventTypes) {
      const fields = Object.keys((eventCatalog[type].schema as unknown as { shape: Record<string, unknown> }).shape);
      expect([type, fields.filter((f) => /token/i.test(f))]).toEqual([type, []]);
    }
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
