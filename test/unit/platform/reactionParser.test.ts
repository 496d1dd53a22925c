import { defineReaction } from "#src/define";
import { nothingToDo } from "#src/platform/reactions";
import { sendInvoiceWhenPaymentConfirmed } from "#src/services/invoicing/sendInvoiceWhenPaymentConfirmed";
import { recordEventInJournal } from "#src/services/journal/recordEventInJournal";
import { anEvent } from "../../support/events";

const confirmed = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch-1", amount: 30, currency: "EUR" });
const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "customer asked" });

describe("a reaction's parser comes from its manifest entry, found once when it is defined", () => {
  it("accepts the manifest's event types, checked against their catalog schemas", () => {
    expect(sendInvoiceWhenPaymentConfirmed.parser.parse(confirmed)).toEqual({ ok: true, event: confirmed });
    const invalid = sendInvoiceWhenPaymentConfirmed.parser.parse({ ...confirmed, data: { orderId: "o-1" } });
    expect(invalid).toMatchObject({ ok: false, reason: expect.stringMatching(/^Invalid data for Payments.PaymentConfirmed.v1: /) });
  });

  it("refuses a type the manifest does not subscribe the reaction to, naming what it expects", () => {
    expect(sendInvoiceWhenPaymentConfirmed.parser.parse(cancelled)).toEqual({
      ok: false,
      reason: "Event type Orders.OrderCancelled.v1 is not handled here (expects Payments.PaymentConfirmed.v1)",
    });
  });

  it("takes any well-formed CloudEvent for `on: \"all\"` (the journal), and still refuses what is no CloudEvent", () => {
    const journal = recordEventInJournal.parser;
    expect(journal.parse(cancelled)).toMatchObject({ ok: true });
    expect(journal.parse({ ...confirmed, type: "Someone.Else.v9", data: 42 })).toMatchObject({ ok: true });
    expect(journal.parse({ type: "x" })).toMatchObject({ ok: false, reason: expect.stringMatching(/^Not a valid CloudEvent: /) });
  });

  it("refuses a name the manifest does not give the service", () => {
    const parts = { partitionKey: () => "p", load: async () => undefined, decide: () => nothingToDo };
    // A compile error in typed code; a JavaScript caller learns it when the module loads.
    expect(() => defineReaction("inventory", "chargePaymentWhenOrderPlaced" as never, parts)).toThrow(
      "inventory-chargePaymentWhenOrderPlaced is not a reaction of the manifest (src/topology.ts)",
    );
  });
});
