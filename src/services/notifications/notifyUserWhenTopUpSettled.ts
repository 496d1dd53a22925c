import { ReactionEvent, defineReaction } from "../../define";
import { TransientError } from "../../platform/errors";
import { deterministicId } from "../../platform/ids";
import { Decision, DecisionContext, Outside, nothingToDo } from "../../platform/reactions";
import { EmailSender } from "../../platform/email/emailSender";
import {
  NotificationDocument,
  RECIPIENT_DOCUMENT_ID,
  notificationDocumentId,
  recipientDocumentSchema,
  notificationDocumentSchema,
} from "./documents";
import { TopUpOutcome, topUpEmail } from "./topUpEmail";

type TopUpSettled = ReactionEvent<"notifications", "notifyUserWhenTopUpSettled">;

/** What the user is told, or `undefined` for credits that are not top-ups (free credits are announced by the welcome email). */
export const topUpOutcomeOf = (event: TopUpSettled): TopUpOutcome | undefined => {
  switch (event.type) {
    case "Wallet.WalletCredited.v1": {
      const { reason, topUpId, amount, currency, balance } = event.data;
      return reason === "TopUp" && topUpId ? { notification: "TopUpSucceeded", topUpId, amount, currency, balance } : undefined;
    }
    case "Wallet.TopUpFailed.v1":
      return { notification: "TopUpFailed", topUpId: event.data.topUpId, reason: event.data.reason };
    default: {
      const never: never = event;
      throw new Error(`Unhandled event ${(never as { type: string }).type}`);
    }
  }
};

export const notificationMessageId = (eventId: string): string => deterministicId("top-up-notification", eventId);

export interface NotifyState {
  readonly notified: NotificationDocument | undefined;
  /** The provider's acknowledgement; absent when nothing was (or needed to be) sent. */
  readonly sent: { readonly messageId: string } | undefined;
}

export const recordNotification = (event: TopUpSettled, state: NotifyState, context: DecisionContext): Decision => {
  const outcome = topUpOutcomeOf(event);
  if (!outcome || state.notified || !state.sent) return nothingToDo;
  const userId = event.data.walletId;
  const { messageId } = state.sent;
  const document: NotificationDocument = {
    id: notificationDocumentId(outcome.topUpId),
    pk: userId,
    kind: "notification",
    userId,
    topUpId: outcome.topUpId,
    notification: outcome.notification,
    messageId,
    sentAt: context.now.toISOString(),
  };
  return {
    changes: [{ put: document }],
    publish: [
      {
        type: "Notifications.UserNotified.v1",
        subject: `users/${userId}`,
        data: { userId, messageId, notification: outcome.notification, topUpId: outcome.topUpId },
      },
    ],
  };
};

export const notifyUserWhenTopUpSettled = defineReaction("notifications", "notifyUserWhenTopUpSettled", {
  // A user's wallet id is their user id: the recipient and the notifications live in the same partition.
  partitionKey: (event) => event.data.walletId,
  async load(event, { read }) {
    const outcome = topUpOutcomeOf(event);
    if (!outcome) return { outcome, notified: undefined, recipient: undefined };
    const userId = event.data.walletId;
    const notified = await read(notificationDocumentSchema, notificationDocumentId(outcome.topUpId), userId);
    if (notified) return { outcome, notified, recipient: undefined };
    const recipient = await read(recipientDocumentSchema, RECIPIENT_DOCUMENT_ID, userId);
    // Events are unordered: the sign-up that tells us the address may still be on its way. Retry, do not drop.
    if (!recipient) throw new TransientError(`No recipient known yet for user ${userId}`);
    return { outcome, notified: undefined, recipient };
  },
  async act(event, { outcome, notified, recipient }, outside: Outside<{ emailSender: EmailSender }>): Promise<NotifyState> {
    if (!outcome || !recipient) return { notified, sent: undefined };
    // Sent before the commit: a crash in between resends under the same message id, which the provider dedupes.
    const sent = await outside.call({
      idempotencyKey: notificationMessageId(event.id),
      call: (messageId) => outside.ports.emailSender.sendEmail(topUpEmail(recipient, outcome, messageId)),
    });
    return { notified: undefined, sent };
  },
  decide: recordNotification,
  // Once notified (or for free credits, never), it decides nothing: only the delivery that notifies keeps a record,
  // carrying UserNotified; the free credits of every sign-up cost no write.
  tuning: { dedupe: "idempotentState" },
});
