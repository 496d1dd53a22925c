import { ServiceModule } from "../../platform/serviceModule";
import { EmailSender } from "./emailSender";
import { createEmailSenderFromSettings } from "./emailSettings";
import { sendWelcomeEmailWhenUserSignedUp } from "./sendWelcomeEmailWhenUserSignedUp";

export const emailService: ServiceModule<"email", { emailSender: EmailSender }> = {
  name: "email",
  reactions: [sendWelcomeEmailWhenUserSignedUp],
  http: {},
  createPorts: (env, credential) => ({ emailSender: createEmailSenderFromSettings(env, credential) }),
};
