import { runReaction } from "#src/platform/reactions";
import { UserDocument, userDocumentId } from "#src/services/users/documents";
import { TransientError } from "#src/platform/errors";
import { trackOnboarding, trackOnboardingWhenStepCompleted } from "#src/services/users/trackOnboardingWhenStepCompleted";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";
import { checkIdempotentOnState } from "../../../support/idempotence";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";
import { loadContextOf } from "../../../support/loadContext";

const user = (onboarding: Partial<UserDocument["onboarding"]> = {}, status: UserDocument["status"] = "Onboarding"): UserDocument => ({
  id: "user:u-1",
  pk: "u-1",
  kind: "user",
  userId: "u-1",
  email: "ada@example.com",
  name: "Ada",
  correlationId: "flow-1",
  status,
  onboarding: { welcomeEmail: "Pending", crm: "Pending", credits: "Pending", ...onboarding },
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

const emailSent = anEvent("Email.WelcomeEmailSent.v1", { userId: "u-1", messageId: "m-1" });
const contactAdded = anEvent("Crm.ContactAdded.v1", { userId: "u-1", contactId: "u-1" });
const contactFailed = anEvent("Crm.ContactAddFailed.v1", { userId: "u-1", reason: "CRM rejected the contact (422)" });
const creditsAssigned = anEvent("Rewards.FreeCreditsAssigned.v1", { userId: "u-1", walletId: "u-1", grantId: "g-1", amount: 10, currency: "EUR" });

describe("users: track onboarding when a step completes", () => {
  it("given a fresh user, when the welcome email is sent, records the step and publishes nothing yet", () => {
    const decision = trackOnboarding(emailSent, user(), decisionContext());
    expect(decision.changes).toEqual([
      {
        put: expect.objectContaining({ status: "Onboarding", onboarding: { welcomeEmail: "Sent", crm: "Pending", credits: "Pending" }, updatedAt: fixedNow.toISOString() }),
      },
    ]);
    expect(decision.publish).toEqual([]);
  });

  it("given email and CRM done, when credits are assigned, flips the user to Onboarded and publishes UserOnboarded", () => {
    const decision = trackOnboarding(creditsAssigned, user({ welcomeEmail: "Sent", crm: "Added" }), decisionContext());
    expect(decision.changes).toEqual([
      { put: expect.objectContaining({ status: "Onboarded", onboarding: { welcomeEmail: "Sent", crm: "Added", credits: "Assigned" } }) },
    ]);
    expect(decision.publish).toEqual([{ type: "Users.UserOnboarded.v1", subject: "users/u-1", data: { userId: "u-1", crm: "Added" } }]);
  });

  it("given email and credits done, when the CRM rejected the contact, still completes onboarding and says the CRM failed", () => {
    const decision = trackOnboarding(contactFailed, user({ welcomeEmail: "Sent", credits: "Assigned" }), decisionContext());
    expect(decision.changes[0]).toMatchObject({ put: { status: "Onboarded", onboarding: { crm: "Failed" } } });
    expect(decision.publish).toEqual([{ type: "Users.UserOnboarded.v1", subject: "users/u-1", data: { userId: "u-1", crm: "Failed" } }]);
  });

  it("given the step is already recorded, does nothing (no second UserOnboarded)", () => {
    const onboarded = user({ welcomeEmail: "Sent", crm: "Added", credits: "Assigned" }, "Onboarded");
    for (const event of [emailSent, contactAdded, creditsAssigned]) {
      expect(trackOnboarding(event, onboarded, decisionContext())).toEqual({ changes: [], publish: [] });
    }
  });

  it("given the CRM contact was added, a stray failure for it does not overwrite the outcome", () => {
    expect(trackOnboarding(contactFailed, user({ crm: "Added" }), decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given the user is not visible (yet), loading throws TransientError so Event Grid retries instead of losing the step", async () => {
    const store = createInMemoryStore();
    await expect(trackOnboardingWhenStepCompleted.load(contactAdded, loadContextOf(store, undefined))).rejects.toBeInstanceOf(TransientError);
  });
});

describe("users: onboarding steps arriving in parallel and twice", () => {
  it("publishes UserOnboarded exactly once and ends Onboarded", async () => {
    const store = createInMemoryStore([user()]);
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
    // The completing step's copy finds its record (and publishes again); the others' copies find nothing to do.
    expect(outcomes.filter((o) => o.outcome === "duplicate" || o.outcome === "nothingToDo")).toHaveLength(3);
    expect(publisher.distinct().map((e) => e.type)).toEqual(["Users.UserOnboarded.v1"]);
    expect(await store.readDocument<UserDocument>(userDocumentId("u-1"), "u-1")).toMatchObject({
      status: "Onboarded",
      onboarding: { welcomeEmail: "Sent", crm: "Added", credits: "Assigned" },
    });
  });

  // The reaction dedupes by this (`dedupe: "idempotentState"`): no inbox record for a step that publishes nothing.
  it("is idempotent on the user: any step taken in again, after any others in any order, decides nothing", () => {
    const all = [emailSent, contactAdded, contactFailed, creditsAssigned];
    const published = checkIdempotentOnState({ decide: trackOnboarding, initial: () => user(), events: all, runs: 300, seed: 11 });
    expect(published).toBeGreaterThan(30);
  });

  it("writes no inbox record for a step that publishes nothing; only the completing step's record carries UserOnboarded", async () => {
    const store = createInMemoryStore([user()]);
    const deps = { store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, backoff: async () => undefined };
    for (const step of [emailSent, contactAdded, creditsAssigned]) await runReaction(trackOnboardingWhenStepCompleted, structuredClone(step), deps);
    const records = store.all().filter((d) => d.kind === "inbox");
    expect(records.map((r) => (r["events"] as { type: string }[]).map((e) => e.type))).toEqual([["Users.UserOnboarded.v1"]]);
    expect(records[0]?.id).toBe(`inbox:trackOnboardingWhenStepCompleted:${creditsAssigned.id}`);
  });
});
