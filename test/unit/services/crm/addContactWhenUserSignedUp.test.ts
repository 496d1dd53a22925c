import { TransientError } from "#src/platform/errors";
import { runReaction } from "#src/platform/reactions";
import { ContactDocument, addContactWhenUserSignedUp } from "#src/services/crm/addContactWhenUserSignedUp";
import { CrmClient, UpsertContactOutcome } from "#src/services/crm/crmClient";
import { anEvent, fixedNow } from "../../../support/events";
import { specFor } from "../../../support/given";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" });

/** A CRM that answers every upsert with `outcome`, and counts the calls. */
const crmAnswering = (outcome: UpsertContactOutcome) => {
  const calls: string[] = [];
  const crm: CrmClient = { upsertContact: async (_contact, { idempotencyKey }) => (calls.push(idempotencyKey), outcome) };
  return { crm, calls };
};

describe("crm: add the contact when a user signs up", () => {
  it("given the CRM upserts it, records the contact and publishes ContactAdded", async () => {
    const given = specFor(addContactWhenUserSignedUp, { ports: crmAnswering({ status: "added", contactId: "u-1" }) });
    await given()
      .when(signedUp)
      .thenPuts({ id: "contact:u-1", pk: "u-1", kind: "contact", userId: "u-1", status: "Added", contactId: "u-1", updatedAt: fixedNow.toISOString() })
      .thenPublishes({ type: "Crm.ContactAdded.v1", subject: "users/u-1", data: { userId: "u-1", contactId: "u-1" } });
  });

  it("given the CRM rejects it, records the failure and publishes ContactAddFailed with the reason", async () => {
    const given = specFor(addContactWhenUserSignedUp, { ports: crmAnswering({ status: "rejected", reason: "CRM rejected the contact (422): no" }) });
    await given()
      .when(signedUp)
      .thenPuts({ status: "Failed", reason: "CRM rejected the contact (422): no" })
      .thenPublishes({ type: "Crm.ContactAddFailed.v1", subject: "users/u-1", data: { userId: "u-1", reason: "CRM rejected the contact (422): no" } });
  });

  it("given the contact is already recorded, does nothing, and does not call the CRM", async () => {
    const contact: ContactDocument = { id: "contact:u-1", pk: "u-1", kind: "contact", userId: "u-1", status: "Added", contactId: "u-1", updatedAt: "t" };
    const ports = crmAnswering({ status: "added", contactId: "u-1" });
    await specFor(addContactWhenUserSignedUp, { ports })(contact).when(signedUp).thenNothingHappens();
    expect(ports.calls).toEqual([]);
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
