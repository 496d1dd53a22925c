import { TransientError } from "../../platform/errors";
import { EmailSender } from "./emailSender";

export interface HttpMailboxSenderOptions {
  /** The capture mailbox, e.g. `http://127.0.0.1:7076/dev/mailbox`; messages are POSTed to `<url>/messages`. */
  readonly mailboxUrl: string;
  readonly timeoutInMs: number;
  readonly fetch?: typeof fetch;
}

/** Local adapter: delivers to the dev server's capture mailbox, which keeps one message per `messageId`. */
export const createHttpMailboxSender = (options: HttpMailboxSenderOptions): EmailSender => {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.mailboxUrl.replace(/\/$/, "")}/messages`;
  return {
    async sendEmail(email, call) {
      const timeout = AbortSignal.timeout(options.timeoutInMs);
      let response: Response;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(email),
          signal: call?.abortSignal ? AbortSignal.any([timeout, call.abortSignal]) : timeout,
        });
      } catch (error) {
        throw new TransientError(`Mailbox unreachable: ${(error as Error).message}`, { cause: error });
      }
      const text = await response.text().catch(() => "");
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw new TransientError(`Mailbox answered ${response.status}`);
      }
      if (response.status !== 200 && response.status !== 201) {
        // Our request is wrong; retrying cannot fix it, but the failed delivery (and dead letter) will be seen.
        throw new Error(`Mailbox refused the email: ${response.status} ${text.slice(0, 200)}`);
      }
      return { messageId: email.messageId };
    },
  };
};
