import { StoredDocument } from "../../platform/store";

/** This service's own copy of whom to email, kept from UserSignedUp; partition = user id = wallet id. */
export interface RecipientDocument extends StoredDocument {
  readonly kind: "recipient";
  readonly userId: string;
  readonly email: string;
  readonly name: string;
}

/** One per top-up outcome told to the user; its presence stops a redelivery from emailing again. */
export interface NotificationDocument extends StoredDocument {
  readonly kind: "notification";
  readonly userId: string;
  readonly topUpId: string;
  readonly notification: "TopUpSucceeded" | "TopUpFailed";
  readonly messageId: string;
  readonly sentAt: string;
}

export const RECIPIENT_DOCUMENT_ID = "recipient";
export const notificationDocumentId = (topUpId: string): string => `notification:${topUpId}`;
