import { z } from "zod";
import { documentSchema } from "../../platform/documentSchema";

/** This service's own copy of whom to email, kept from UserSignedUp; partition = user id = wallet id. */
export const recipientDocumentSchema = documentSchema("recipient", { userId: z.string(), email: z.string(), name: z.string() });
export type RecipientDocument = z.infer<typeof recipientDocumentSchema>;

/** One per top-up outcome told to the user; its presence stops a redelivery from emailing again. */
export const notificationDocumentSchema = documentSchema("notification", {
  userId: z.string(),
  topUpId: z.string(),
  notification: z.enum(["TopUpSucceeded", "TopUpFailed"]),
  messageId: z.string(),
  sentAt: z.string(),
});
export type NotificationDocument = z.infer<typeof notificationDocumentSchema>;

export const RECIPIENT_DOCUMENT_ID = "recipient";
export const notificationDocumentId = (topUpId: string): string => `notification:${topUpId}`;
