/** One email to one recipient; `messageId` is derived from the causing event so a resend is recognisable. */
export interface OutgoingEmail {
  readonly messageId: string;
  readonly to: { readonly address: string; readonly displayName: string };
  readonly subject: string;
  readonly plainText: string;
  readonly html: string;
}

export interface SendEmailOptions {
  readonly abortSignal?: AbortSignal;
}

/**
 * The port: hands an email to a provider. Sending the same `messageId` twice must not deliver two emails as far as
 * the provider allows (the capture mailbox dedupes on it; ACS gets it as the operation id). Retryable failures throw
 * TransientError.
 */
export interface EmailSender {
  sendEmail(email: OutgoingEmail, options?: SendEmailOptions): Promise<{ readonly messageId: string }>;
}
