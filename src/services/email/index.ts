import { ServiceModule } from "../../define";
import { EmailSender } from "../../platform/email/emailSender";
import { createEmailSenderFromSettings } from "../../platform/email/emailSettings";
import { sendWelcomeEmailWhenUserSignedUp } from "./sendWelcomeEmailWhenUserSignedUp";

export const emailService: ServiceModule<"email", { emailSender: EmailSender }> = {
  name: "email",
  reactions: [sendWelcomeEmailWhenUserSignedUp],
  http: {},
  createPorts: (env, credential) => ({ emailSender: createEmailSenderFromSettings(env, credential) }),
};
