import { TransientError } from "#src/platform/errors";
import { createAcsEmailSender } from "#src/platform/email/acsEmailSender";
import { OutgoingEmail } from "#src/platform/email/emailSender";
import { createEmailSenderFromSettings } from "#src/platform/email/emailSettings";
import { createHttpMailboxSender } from "#src/platform/email/httpMailboxSender";

const email: OutgoingEmail = {
  messageId: "8a1b2c3d-0000-8000-8000-000000000001",
  to: { address: "ada@example.com", displayName: "Ada" },
  subject: "Welcome aboard",
  plainText: "Hello",
  html: "<p>Hello</p>",
};

const response = (status: number, body: unknown = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("HTTP mailbox adapter", () => {
  it("POSTs the email as JSON to <mailbox>/messages", async () => {
    const fetch = jest.fn(async () => response(201, { messageId: email.messageId }));
    const sender = createHttpMailboxSender({ mailboxUrl: "http://mail.test/dev/mailbox/", timeoutInMs: 1000, fetch });
    await expect(sender.sendEmail(email)).resolves.toEqual({ messageId: email.messageId });
    expect(fetch).toHaveBeenCalledWith("http://mail.test/dev/mailbox/messages", expect.objectContaining({ method: "POST", body: JSON.stringify(email) }));
  });

  it("treats a duplicate (200) as sent", async () => {
    const sender = createHttpMailboxSender({ mailboxUrl: "http://mail.test", timeoutInMs: 1000, fetch: jest.fn(async () => response(200, { duplicate: true })) });
    await expect(sender.sendEmail(email)).resolves.toEqual({ messageId: email.messageId });
  });

  it.each([503, 429, 408])("makes %s a TransientError", async (status) => {
    const sender = createHttpMailboxSender({ mailboxUrl: "http://mail.test", timeoutInMs: 1000, fetch: jest.fn(async () => response(status)) });
    await expect(sender.sendEmail(email)).rejects.toBeInstanceOf(TransientError);
  });

  it("makes an unreachable mailbox a TransientError", async () => {
    const fetch = jest.fn(async () => {
      throw new TypeError("fetch failed");
    });
    const sender = createHttpMailboxSender({ mailboxUrl: "http://mail.test", timeoutInMs: 1000, fetch });
    await expect(sender.sendEmail(email)).rejects.toBeInstanceOf(TransientError);
  });

  it("fails without retry hint on a 400 (our request is wrong)", async () => {
    const sender = createHttpMailboxSender({ mailboxUrl: "http://mail.test", timeoutInMs: 1000, fetch: jest.fn(async () => response(400, { code: "invalid_email" })) });
    const error = await sender.sendEmail(email).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
  });
});

describe("ACS Email adapter", () => {
  const restError = (statusCode: number | undefined) => Object.assign(new Error(`status ${statusCode}`), { statusCode });

  it("queues the message with the message id as the Operation-Id", async () => {
    const beginSend = jest.fn(async () => ({ getOperationState: () => ({ status: "running" }) }) as never);
    const sender = createAcsEmailSender({ client: { beginSend }, senderAddress: "DoNotReply@contoso.test", timeoutInMs: 1000 });
    await expect(sender.sendEmail(email)).resolves.toEqual({ messageId: email.messageId });
    expect(beginSend).toHaveBeenCalledWith(
      {
        senderAddress: "DoNotReply@contoso.test",
        recipients: { to: [{ address: "ada@example.com", displayName: "Ada" }] },
        content: { subject: "Welcome aboard", plainText: "Hello", html: "<p>Hello</p>" },
      },
      expect.objectContaining({ operationId: email.messageId, abortSignal: expect.any(AbortSignal) }),
    );
  });

  it("treats 409 (operation already exists) as already sent", async () => {
    const beginSend = jest.fn(async () => {
      throw restError(409);
    });
    const sender = createAcsEmailSender({ client: { beginSend }, senderAddress: "a@b.test", timeoutInMs: 1000 });
    await expect(sender.sendEmail(email)).resolves.toEqual({ messageId: email.messageId });
  });

  it.each([429, 500, 503, undefined])("makes status %s a TransientError", async (status) => {
    const beginSend = jest.fn(async () => {
      throw restError(status);
    });
    const sender = createAcsEmailSender({ client: { beginSend }, senderAddress: "a@b.test", timeoutInMs: 1000 });
    await expect(sender.sendEmail(email)).rejects.toBeInstanceOf(TransientError);
  });

  it("passes a 400 on as a plain error", async () => {
    const beginSend = jest.fn(async () => {
      throw restError(400);
    });
    const sender = createAcsEmailSender({ client: { beginSend }, senderAddress: "a@b.test", timeoutInMs: 1000 });
    const error = await sender.sendEmail(email).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TransientError);
    expect((error as { statusCode: number }).statusCode).toBe(400);
  });
});

describe("email settings", () => {
  const noCredential = () => {
    throw new Error("no credential in this test");
  };

  it("builds the mailbox adapter for EMAIL_PROVIDER=http", () => {
    expect(() => createEmailSenderFromSettings({ EMAIL_PROVIDER: "http", MAILBOX_URL: "http://127.0.0.1:7076/dev/mailbox" }, noCredential)).not.toThrow();
  });

  it("names the missing setting", () => {
    expect(() => createEmailSenderFromSettings({ EMAIL_PROVIDER: "http" }, noCredential)).toThrow(/MAILBOX_URL/);
    expect(() => createEmailSenderFromSettings({ EMAIL_PROVIDER: "acs", EMAIL_SENDER_ADDRESS: "a@b.test" }, noCredential)).toThrow(/ACS_EMAIL__endpoint/);
    expect(() => createEmailSenderFromSettings({ EMAIL_PROVIDER: "acs", ACS_EMAIL__endpoint: "https://x.communication.azure.com" }, noCredential)).toThrow(/EMAIL_SENDER_ADDRESS/);
    expect(() => createEmailSenderFromSettings({}, noCredential)).toThrow(/EMAIL_PROVIDER/);
  });

  it("builds the ACS adapter with the managed identity credential", () => {
    const credential = jest.fn(() => ({ getToken: async () => null }));
    createEmailSenderFromSettings(
      { EMAIL_PROVIDER: "acs", ACS_EMAIL__endpoint: "https://x.communication.azure.com", EMAIL_SENDER_ADDRESS: "DoNotReply@contoso.test" },
      credential,
    );
    expect(credential).toHaveBeenCalledTimes(1);
  });
});
