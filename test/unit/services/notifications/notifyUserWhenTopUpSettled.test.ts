import { TransientError } from "#src/platform/errors";
import { runReaction } from "#src/platform/reactions";
import { OutgoingEmail } from "#src/platform/email/emailSender";
import { NotificationDocument, RecipientDocument } from "#src/services/notifications/documents";
import { notifyUserWhenTopUpSettled, recordNotification } from "#src/services/notifications/notifyUserWhenTopUpSettled";
import { rememberRecipient } from "#src/services/notifications/rememberRecipientWhenUserSignedUp";
import { topUpEmail } from "#src/services/notifications/topUpEmail";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const recipient: RecipientDocument = { id: "recipient", pk: "u-1", kind: "recipient", userId: "u-1", email: "ada@example.com", name: "Ada" };
const credited = anEvent("Wallet.WalletCredited.v1", {
  walletId: "u-1", entryId: "e-1", amount: 25.5, currency: "EUR", reason: "TopUp", balance: 35.5, topUpId: "t-1",
});
const freeCredits = anEvent("Wallet.WalletCredited.v1", { walletId: "u-1", entryId: "e-0", amount: 10, currency: "EUR", reason: "FreeCredits", balance: 10, grantId: "g-1" });
const failed = anEvent("Wallet.TopUpFailed.v1", { topUpId: "t-2", walletId: "u-1", reason: "The bank declined the payment: Insufficient funds." });

describe("notifications: remember the recipient when a user signs up", () => {
  const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" });
  it("given none, keeps the address in the user's partition", () => {
    expect(rememberRecipient(signedUp, undefined)).toEqual({ changes: [{ put: recipient }], publish: [] });
  });
  it("given one, does nothing", () => {
    expect(rememberRecipient(signedUp, recipient)).toEqual({ changes: [], publish: [] });
  });
});

describe("notifications: notify the user when a top-up settles", () => {
  it("given the success email went out, records it and publishes UserNotified", () => {
    const decision = recordNotification(credited, { notified: undefined, sent: { messageId: "m-1" } }, decisionContext());
    expect(decision.changes).toEqual([
      {
        put: { id: "notification:t-1", pk: "u-1", kind: "notification", userId: "u-1", topUpId: "t-1", notification: "TopUpSucceeded", messageId: "m-1", sentAt: fixedNow.toISOString() },
      },
    ]);
    expect(decision.publish).toEqual([
      { type: "Notifications.UserNotified.v1", subject: "users/u-1", data: { userId: "u-1", messageId: "m-1", notification: "TopUpSucceeded", topUpId: "t-1" } },
    ]);
  });

  it("given the failure email went out, publishes UserNotified for TopUpFailed", () => {
    const decision = recordNotification(failed, { notified: undefined, sent: { messageId: "m-2" } }, decisionContext());
    expect(decision.publish).toEqual([
      { type: "Notifications.UserNotified.v1", subject: "users/u-1", data: { userId: "u-1", messageId: "m-2", notification: "TopUpFailed", topUpId: "t-2" } },
    ]);
  });

  it("given a credit that is not a top-up (free credits), does nothing", () => {
    expect(recordNotification(freeCredits, { notified: undefined, sent: { messageId: "m" } }, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("given the user was already notified, does nothing", () => {
    const notified: NotificationDocument = { id: "notification:t-1", pk: "u-1", kind: "notification", userId: "u-1", topUpId: "t-1", notification: "TopUpSucceeded", messageId: "m-1", sentAt: "t" };
    expect(recordNotification(credited, { notified, sent: undefined }, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("writes amounts and the balance with two decimals and the reason of a failure", () => {
    expect(topUpEmail(recipient, { notification: "TopUpSucceeded", topUpId: "t-1", amount: 25.5, currency: "EUR", balance: 35.5 }, "m").plainText).toContain(
      "your top-up of 25.50 EUR arrived. Your balance is now 35.50 EUR.",
    );
    expect(topUpEmail(recipient, { notification: "TopUpFailed", topUpId: "t-2", reason: "declined <b>" }, "m").html).toContain("declined &lt;b&gt;");
  });
});

describe("notifications: delivery", () => {
  const setup = (initial = [recipient]) => {
    const sent: OutgoingEmail[] = [];
    const ports = { emailSender: { sendEmail: async (email: OutgoingEmail) => (sent.push(email), { messageId: email.messageId }) } };
    const deps = { store: createInMemoryStore(initial), publisher: recordingPublisher(), ports, clock: () => fixedNow, backoff: async () => undefined };
    return { sent, deps };
  };

  it("emails once per top-up outcome, however often the event is delivered", async () => {
    const { sent, deps } = setup();
    await runReaction(notifyUserWhenTopUpSettled, credited, deps);
    await runReaction(notifyUserWhenTopUpSettled, structuredClone(credited), deps);
    await runReaction(notifyUserWhenTopUpSettled, { ...structuredClone(credited), id: "another-delivery-id" }, deps);
    expect(sent.map((e) => e.to.address)).toEqual(["ada@example.com"]);
    expect(deps.publisher.distinct().map((e) => e.type)).toEqual(["Notifications.UserNotified.v1"]);
  });

  it("sends nothing for free credits", async () => {
    const { sent, deps } = setup();
    await runReaction(notifyUserWhenTopUpSettled, freeCredits, deps);
    expect(sent).toEqual([]);
    expect(deps.publisher.published).toEqual([]);
    // Nothing to do, now or on any redelivery: nothing written either.
    expect(deps.store.commits).toEqual([]);
  });

  it("retries (TransientError) while the recipient's sign-up has not arrived yet", async () => {
    const { sent, deps } = setup([]);
    await expect(runReaction(notifyUserWhenTopUpSettled, failed, deps)).rejects.toBeInstanceOf(TransientError);
    expect(sent).toEqual([]);
    expect(deps.store.all()).toEqual([]);
  });
});
