import { ServiceModule } from "../../define";
import { EmailSender } from "../../platform/email/emailSender";
import { createEmailSenderFromSettings } from "../../platform/email/emailSettings";
import { notifyUserWhenTopUpSettled } from "./notifyUserWhenTopUpSettled";
import { rememberRecipientWhenUserSignedUp } from "./rememberRecipientWhenUserSignedUp";

export const notificationsService: ServiceModule<"notifications", { emailSender: EmailSender }> = {
  name: "notifications",
  reactions: [rememberRecipientWhenUserSignedUp, notifyUserWhenTopUpSettled],
  http: {},
  // The same email port as the email service: one provider, configured once per app by the same settings.
  createPorts: (env, credential) => ({ emailSender: createEmailSenderFromSettings(env, credential) }),
};
