import { runReaction } from "#src/platform/reactions";
import { OutgoingEmail } from "#src/platform/email/emailSender";
import {
  WelcomeEmailDocument,
  recordWelcomeEmail,
  sendWelcomeEmailWhenUserSignedUp,
  welcomeMessageId,
} from "#src/services/email/sendWelcomeEmailWhenUserSignedUp";
import { welcomeEmail } from "#src/services/email/welcomeEmail";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada <Countess>" });

describe("email: send the welcome email when a user signs up", () => {
  it("given the provider accepted it, records the email and publishes WelcomeEmailSent with the message id", () => {
    const decision = recordWelcomeEmail(signedUp, { alreadySent: undefined, sent: { messageId: "m-1" } }, decisionContext());
    expect(decision.changes).toEqual([
      { put: { id: "welcomeEmail:u-1", pk: "u-1", kind: "welcomeEmail", userId: "u-1", messageId: "m-1", sentAt: fixedNow.toISOString() } },
    ]);
    expect(decision.publish).toEqual([{ type: "Email.WelcomeEmailSent.v1", subject: "users/u-1", data: { userId: "u-1", messageId: "m-1" } }]);
  });

  it("given it was already sent, does nothing", () => {
    const sent: WelcomeEmailDocument = { id: "welcomeEmail:u-1", pk: "u-1", kind: "welcomeEmail", userId: "u-1", messageId: "m-1", sentAt: "t" };
    expect(recordWelcomeEmail(signedUp, { alreadySent: sent, sent: undefined }, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("derives the message id from the event id, so a resend carries the same id", () => {
    expect(welcomeMessageId(signedUp.id)).toBe(welcomeMessageId(signedUp.id));
    expect(welcomeMessageId(signedUp.id)).not.toBe(welcomeMessageId("another-event"));
  });

  it("addresses the user by name and escapes it in the HTML part", () => {
    const email = welcomeEmail(signedUp.data, "m-1");
    expect(email).toMatchObject({ messageId: "m-1", to: { address: "ada@example.com", displayName: "Ada <Countess>" } });
    expect(email.plainText).toContain("Hello Ada <Countess>");
    expect(email.html).toContain("Hello Ada &lt;Countess&gt;");
    expect(email.html).not.toContain("<Countess>");
  });
});

describe("email: redelivery of UserSignedUp", () => {
  it("sends one email however often the event arrives", async () => {
    const sent: OutgoingEmail[] = [];
    const ports = { emailSender: { sendEmail: async (email: OutgoingEmail) => (sent.push(email), { messageId: email.messageId }) } };
    const deps = { store: createInMemoryStore(), publisher: recordingPublisher(), ports, clock: () => fixedNow, backoff: async () => undefined };
    await runReaction(sendWelcomeEmailWhenUserSignedUp, signedUp, deps);
    await runReaction(sendWelcomeEmailWhenUserSignedUp, structuredClone(signedUp), deps);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.messageId).toBe(welcomeMessageId(signedUp.id));
    expect(deps.publisher.distinct().map((e) => e.type)).toEqual(["Email.WelcomeEmailSent.v1"]);
  });

  it("does not record anything when the provider fails, so the redelivery sends it", async () => {
    let fail = true;
    const sent: OutgoingEmail[] = [];
    const ports = {
      emailSender: {
        sendEmail: async (email: OutgoingEmail) => {
          if (fail) throw new Error("provider down");
          sent.push(email);
          return { messageId: email.messageId };
        },
      },
    };
    const deps = { store: createInMemoryStore(), publisher: recordingPublisher(), ports, clock: () => fixedNow, backoff: async () => undefined };
    await expect(runReaction(sendWelcomeEmailWhenUserSignedUp, signedUp, deps)).rejects.toThrow("provider down");
    expect(deps.store.all()).toEqual([]);
    fail = false;
    await runReaction(sendWelcomeEmailWhenUserSignedUp, signedUp, deps);
    expect(sent).toHaveLength(1);
  });
});
