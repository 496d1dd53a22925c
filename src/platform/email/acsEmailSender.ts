import type { EmailClient } from "@azure/communication-email";
import { TransientError } from "../errors";
import { EmailSender } from "./emailSender";

export type AcsEmailClient = Pick<EmailClient, "beginSend">;

export interface AcsEmailSenderOptions {
  readonly client: AcsEmailClient;
  /** A MailFrom address of a domain verified on the Communication Services resource. */
  readonly senderAddress: string;
  /** Bounds the call; Event Grid waits 30 s for the whole delivery. */
  readonly timeoutInMs: number;
}

const statusOf = (error: unknown): number | undefined => {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
};

/**
 * Production adapter: Azure Communication Services Email. `beginSend` returns once ACS has queued the message (the
 * initial request of the long-running operation); we do not wait for delivery, which can take minutes. The message id
 * is sent as the `Operation-Id`, so a redelivered event asks ACS for the same operation rather than a new one.
 */
export const createAcsEmailSender = (options: AcsEmailSenderOptions): EmailSender => ({
  async sendEmail(email, call) {
    const timeout = AbortSignal.timeout(options.timeoutInMs);
    try {
      const poller = await options.client.beginSend(
        {
          senderAddress: options.senderAddress,
          recipients: { to: [{ address: email.to.address, displayName: email.to.displayName }] },
          content: { subject: email.subject, plainText: email.plainText, html: email.html },
        },
        { operationId: email.messageId, abortSignal: call?.abortSignal ? AbortSignal.any([timeout, call.abortSignal]) : timeout },
      );
      return { messageId: poller.getOperationState().result?.id ?? email.messageId };
    } catch (error) {
      const status = statusOf(error);
      // An operation with this id exists already: the email was queued by an earlier delivery of the same event.
      if (status === 409) return { messageId: email.messageId };
      if (status === undefined || status === 408 || status === 429 || status >= 500) {
        throw new TransientError(`ACS Email failed${status ? ` with ${status}` : ""}: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  },
});
