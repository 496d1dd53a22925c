import { callJsonApi } from "../httpClient";
import { EmailSender } from "./emailSender";

export interface HttpMailboxSenderOptions {
  /** The capture mailbox, e.g. `http://127.0.0.1:7076/dev/mailbox`; messages are POSTed to `<url>/messages`. */
  readonly mailboxUrl: string;
  readonly timeoutInMs: number;
  readonly fetch?: typeof fetch;
}

/** Local adapter: delivers to the dev server's capture mailbox, which keeps one message per `messageId`. */
export const createHttpMailboxSender = (options: HttpMailboxSenderOptions): EmailSender => {
  const url = `${options.mailboxUrl.replace(/\/$/, "")}/messages`;
  return {
    async sendEmail(email, call) {
      const { status, text } = await callJsonApi({
        system: "Mailbox",
        method: "POST",
        url,
        body: email,
        timeoutInMs: options.timeoutInMs,
        abortSignal: call?.abortSignal,
        fetch: options.fetch,
      });
      if (status !== 200 && status !== 201) {
        // Our request is wrong; retrying cannot fix it, but the failed delivery (and dead letter) will be seen.
        throw new Error(`Mailbox refused the email: ${status} ${text.slice(0, 200)}`);
      }
      return { messageId: email.messageId };
    },
  };
};
