import { EmailClient } from "@azure/communication-email";
import type { TokenCredential } from "@azure/identity";
import { z } from "zod";
import { ConfigError } from "../config";
import { createAcsEmailSender } from "./acsEmailSender";
import { EmailSender } from "./emailSender";
import { createHttpMailboxSender } from "./httpMailboxSender";

const timeout = z.coerce.number().int().min(100).max(25_000).default(10_000);

const settings = z.discriminatedUnion("EMAIL_PROVIDER", [
  z.object({
    EMAIL_PROVIDER: z.literal("acs"),
    // Identity-based connection: the endpoint only; the Function App's managed identity authenticates.
    ACS_EMAIL__endpoint: z.url({ message: "ACS_EMAIL__endpoint must be the Communication Services endpoint URL" }),
    EMAIL_SENDER_ADDRESS: z.email({ message: "EMAIL_SENDER_ADDRESS must be a verified MailFrom address" }),
    EMAIL_TIMEOUT_MS: timeout,
  }),
  z.object({
    EMAIL_PROVIDER: z.literal("http"),
    MAILBOX_URL: z.url({ message: "MAILBOX_URL must be the capture mailbox's URL" }),
    EMAIL_TIMEOUT_MS: timeout,
  }),
]);

/** Builds the email port from app settings (`EMAIL_PROVIDER` = `acs` in Azure, `http` locally); fails naming the setting. */
export const createEmailSenderFromSettings = (env: NodeJS.ProcessEnv, credential: () => TokenCredential): EmailSender => {
  const parsed = settings.safeParse({ ...env, EMAIL_PROVIDER: env.EMAIL_PROVIDER?.trim() });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "EMAIL_PROVIDER"}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid email settings (EMAIL_PROVIDER must be "acs" or "http"): ${issues}`);
  }
  const s = parsed.data;
  return s.EMAIL_PROVIDER === "acs"
    ? createAcsEmailSender({
        client: new EmailClient(s.ACS_EMAIL__endpoint, credential()),
        senderAddress: s.EMAIL_SENDER_ADDRESS,
        timeoutInMs: s.EMAIL_TIMEOUT_MS,
      })
    : createHttpMailboxSender({ mailboxUrl: s.MAILBOX_URL, timeoutInMs: s.EMAIL_TIMEOUT_MS });
};
