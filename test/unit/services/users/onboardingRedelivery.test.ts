import { runReaction } from "../../../../src/platform/reaction";
import { UserDocument, userDocumentId } from "../../../../src/services/users/documents";
import { trackOnboardingWhenStepCompleted } from "../../../../src/services/users/trackOnboardingWhenStepCompleted";
import { anEvent, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const freshUser: UserDocument = {
  id: userDocumentId("u-1"),
  pk: "u-1",
  kind: "user",
  userId: "u-1",
  email: "ada@example.com",
  name: "Ada",
  correlationId: "flow-1",
  status: "Onboarding",
  onboarding: { welcomeEmail: "Pending", crm: "Pending", credits: "Pending" },
  createdAt: "t",
  updatedAt: "t",
};

describe("users: onboarding steps arriving in parallel and twice", () => {
  it("publishes UserOnboarded exactly once and ends Onboarded", async () => {
    const store = createInMemoryStore([freshUser]);
    const publisher = recordingPublisher();
    const deps = { store, publisher, ports: {}, clock: () => fixedNow, backoff: async () => undefined };
    const steps = [
      anEvent("Email.WelcomeEmailSent.v1", { userId: "u-1", messageId: "m-1" }),
      anEvent("Crm.ContactAdded.v1", { userId: "u-1", contactId: "u-1" }),
      anEvent("Rewards.FreeCreditsAssigned.v1", { userId: "u-1", walletId: "u-1", grantId: "g-1", amount: 10, currency: "EUR" }),
    ];
    // Every step twice, all at once: ETag conflicts and inbox duplicates both happen.
    const outcomes = await Promise.all([...steps, ...steps.map((s) => structuredClone(s))].map((e) => runReaction(trackOnboardingWhenStepCompleted, e, deps)));

    expect(outcomes.filter((o) => o.outcome === "handled")).toHaveLength(3);
    expect(outcomes.filter((o) => o.outcome === "duplicate")).toHaveLength(3);
    expect(publisher.published.map((e) => e.type)).toEqual(["Users.UserOnboarded.v1"]);
    expect(await store.readDocument<UserDocument>(userDocumentId("u-1"), "u-1")).toMatchObject({
      status: "Onboarded",
      onboarding: { welcomeEmail: "Sent", crm: "Added", credits: "Assigned" },
    });
  });
});
