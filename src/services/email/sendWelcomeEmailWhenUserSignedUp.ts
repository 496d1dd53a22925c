import { ReactionEvent, defineReaction } from "../../define";
import { deterministicId } from "../../platform/ids";
import { Decision, DecisionContext, Outside, nothingToDo } from "../../platform/reactions";
import { z } from "zod";
import { documentSchema } from "../../platform/documentSchema";
import { EmailSender } from "../../platform/email/emailSender";
import { welcomeEmail } from "./welcomeEmail";

type UserSignedUp = ReactionEvent<"email", "sendWelcomeEmailWhenUserSignedUp">;

/** Proof the welcome email went out, in the user's partition; its presence stops every later delivery from resending. */
export const welcomeEmailDocumentSchema = documentSchema("welcomeEmail", { userId: z.string(), messageId: z.string(), sentAt: z.string() });
export type WelcomeEmailDocument = z.infer<typeof welcomeEmailDocumentSchema>;

export const welcomeEmailDocumentId = (userId: string): string => `welcomeEmail:${userId}`;
export const welcomeMessageId = (signedUpEventId: string): string => deterministicId("welcome-email", signedUpEventId);

export interface WelcomeEmailState {
  readonly alreadySent: WelcomeEmailDocument | undefined;
  /** The provider's acknowledgement; absent when nothing was sent because it already had been. */
  readonly sent: { readonly messageId: string } | undefined;
}

export const recordWelcomeEmail = (event: UserSignedUp, state: WelcomeEmailState, context: DecisionContext): Decision => {
  if (state.alreadySent || !state.sent) return nothingToDo;
  const { userId } = event.data;
  const document: WelcomeEmailDocument = {
    id: welcomeEmailDocumentId(userId),
    pk: userId,
    kind: "welcomeEmail",
    userId,
    messageId: state.sent.messageId,
    sentAt: context.now.toISOString(),
  };
  return {
    changes: [{ put: document }],
    publish: [{ type: "Email.WelcomeEmailSent.v1", subject: `users/${userId}`, data: { userId, messageId: state.sent.messageId } }],
  };
};

export const sendWelcomeEmailWhenUserSignedUp = defineReaction("email", "sendWelcomeEmailWhenUserSignedUp", {
  partitionKey: (event) => event.data.userId,
  load: (event, { read }) => read(welcomeEmailDocumentSchema, welcomeEmailDocumentId(event.data.userId), event.data.userId),
  async act(event, alreadySent, outside: Outside<{ emailSender: EmailSender }>): Promise<WelcomeEmailState> {
    if (alreadySent) return { alreadySent, sent: undefined };
    // Sent before the commit: a crash in between resends under the same message id, which the provider dedupes.
    const sent = await outside.call({
      idempotencyKey: welcomeMessageId(event.id),
      call: (messageId) => outside.ports.emailSender.sendEmail(welcomeEmail(event.data, messageId)),
    });
    return { alreadySent: undefined, sent };
  },
  decide: recordWelcomeEmail,
});
