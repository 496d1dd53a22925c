import { TransientError } from "../../../../src/platform/errors";
import { runReaction } from "../../../../src/platform/reactions";
import { ContactDocument, addContactWhenUserSignedUp, recordContact } from "../../../../src/services/crm/addContactWhenUserSignedUp";
import { CrmClient } from "../../../../src/services/crm/crmClient";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" });

describe("crm: add the contact when a user signs up", () => {
  it("given the CRM upserted it, records the contact and publishes ContactAdded", () => {
    const decision = recordContact(signedUp, { contact: undefined, outcome: { status: "added", contactId: "u-1" } }, decisionContext());
    expect(decision.changes).toEqual([
      { put: { id: "contact:u-1", pk: "u-1", kind: "contact", userId: "u-1", status: "Added", contactId: "u-1", updatedAt: fixedNow.toISOString() } },
    ]);
    expect(decision.publish).toEqual([{ type: "Crm.ContactAdded.v1", subject: "users/u-1", data: { userId: "u-1", contactId: "u-1" } }]);
  });

  it("given the CRM rejected it, records the failure and publishes ContactAddFailed with the reason", () => {
    const decision = recordContact(signedUp, { contact: undefined, outcome: { status: "rejected", reason: "CRM rejected the contact (422): no" } }, decisionContext());
    expect(decision.changes).toEqual([{ put: expect.objectContaining({ status: "Failed", reason: "CRM rejected the contact (422): no" }) }]);
    expect(decision.publish).toEqual([{ type: "Crm.ContactAddFailed.v1", subject: "users/u-1", data: { userId: "u-1", reason: "CRM rejected the contact (422): no" } }]);
  });

  it("given the contact is already recorded, does nothing", () => {
    const contact: ContactDocument = { id: "contact:u-1", pk: "u-1", kind: "contact", userId: "u-1", status: "Added", contactId: "u-1", updatedAt: "t" };
    expect(recordContact(signedUp, { contact, outcome: undefined }, decisionContext())).toEqual({ changes: [], publish: [] });
  });
});

describe("crm: an outage, then the CRM is back", () => {
  it("writes nothing while the CRM is down and adds the contact once on the delivery after it is back", async () => {
    let down = true;
    const calls: string[] = [];
    const crm: CrmClient = {
      upsertContact: async (contact, { idempotencyKey }) => {
        calls.push(idempotencyKey);
        if (down) throw new TransientError("CRM answered 503");
        return { status: "added", contactId: contact.contactId };
      },
    };
    const deps = { store: createInMemoryStore(), publisher: recordingPublisher(), ports: { crm }, clock: () => fixedNow, backoff: async () => undefined };
    await expect(runReaction(addContactWhenUserSignedUp, signedUp, deps)).rejects.toBeInstanceOf(TransientError);
    await expect(runReaction(addContactWhenUserSignedUp, signedUp, deps)).rejects.toBeInstanceOf(TransientError);
    expect(deps.store.all()).toEqual([]);
    down = false;
    await runReaction(addContactWhenUserSignedUp, signedUp, deps);
    await runReaction(addContactWhenUserSignedUp, signedUp, deps);
    expect(calls).toEqual([signedUp.id, signedUp.id, signedUp.id]);
    expect(deps.publisher.distinct().map((e) => e.type)).toEqual(["Crm.ContactAdded.v1"]);
  });
});
