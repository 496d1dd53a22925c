import type { ServerResponse } from "node:http";
import { sendJson, type Simulator } from "./types";
import { parseObject } from "./json";
import { memoryStore, type SimulatorStore } from "./store";

const BASE_PATH = "/dev/mailbox";

export interface MailboxSimulatorOptions {
  now?: () => Date;
  /** Where the messages are kept (default: memory). */
  store?: SimulatorStore;
}

export interface CapturedEmail {
  messageId: string;
  to: { address: string; displayName: string };
  subject: string;
  plainText: string;
  html: string;
  receivedAt: string;
  /** How often it was handed in; the mailbox keeps it once, as a provider deduping on the message id would. */
  submissions: number;
}

/**
 * A capture mailbox standing in for the email provider: keeps each message once per `messageId` and shows what
 * "was sent". `GET /dev/mailbox` lists everything (filter with `?to=<address>`).
 */
export function createMailboxSimulator(options: MailboxSimulatorOptions = {}): Simulator {
  const now = options.now ?? (() => new Date());
  const messages = (options.store ?? memoryStore()).table<CapturedEmail>("mailbox.messages");
  const reset = (): void => {
    messages.clear();
  };

  const list = (res: ServerResponse, url: URL): void => {
    const to = url.searchParams.get("to")?.toLowerCase();
    sendJson(res, 200, [...messages.values()].filter((m) => to === undefined || m.to.address.toLowerCase() === to));
  };

  const submit = (res: ServerResponse, body: Buffer): void => {
    const input = parseObject(body);
    const invalid = input ? invalidEmail(input) : "The body must be a JSON object.";
    if (!input || invalid) {
      sendJson(res, 400, { code: "invalid_email", message: invalid });
      return;
    }
    const email = input as unknown as Omit<CapturedEmail, "receivedAt" | "submissions">;
    const existing = messages.get(email.messageId);
    if (existing) {
      if (existing.subject !== email.subject || existing.to.address !== email.to.address || existing.plainText !== email.plainText) {
        sendJson(res, 409, { code: "message_id_reused", message: "This messageId was already used for a different email." });
        return;
      }
      existing.submissions += 1;
      messages.set(existing.messageId, existing);
      sendJson(res, 200, { messageId: existing.messageId, duplicate: true });
      return;
    }
    messages.set(email.messageId, {
      messageId: email.messageId,
      to: { address: email.to.address, displayName: email.to.displayName },
      subject: email.subject,
      plainText: email.plainText,
      html: email.html,
      receivedAt: now().toISOString(),
      submissions: 1,
    });
    sendJson(res, 201, { messageId: email.messageId, duplicate: false });
  };

  return {
    name: "mailbox",
    basePath: BASE_PATH,
    reset,
    endpoints: [
      { method: "POST", path: `${BASE_PATH}/messages`, description: "Hand in { messageId, to: { address, displayName }, subject, plainText, html }; one kept per messageId" },
      { method: "GET", path: BASE_PATH, description: "Every captured email (?to=<address> filters)" },
      { method: "GET", path: `${BASE_PATH}/messages/{messageId}`, description: "One captured email" },
      { method: "POST", path: `${BASE_PATH}/reset`, description: "Forget everything" },
    ],
    handle: async (req, res, url, body) => {
      const path = url.pathname.slice(BASE_PATH.length).replace(/\/+$/, "");
      const method = req.method ?? "GET";
      if ((path === "" || path === "/messages") && method === "GET") list(res, url);
      else if (path === "/messages" && method === "POST") submit(res, body);
      else if (path.startsWith("/messages/") && method === "GET") {
        const found = messages.get(decodeURIComponent(path.slice("/messages/".length)));
        if (found) sendJson(res, 200, found);
        else sendJson(res, 404, { code: "message_not_found", message: "No such message." });
      } else if (path === "/reset" && method === "POST") {
        reset();
        sendJson(res, 200, { reset: true });
      } else if (["", "/messages", "/reset"].includes(path)) {
        sendJson(res, 405, { code: "method_not_allowed", message: `${method} is not allowed on ${url.pathname}.` });
      } else return false;
      return true;
    },
  };
}

const isText = (v: unknown, max: number): v is string => typeof v === "string" && v.length <= max;

function invalidEmail(input: Record<string, unknown>): string | undefined {
  const { messageId, to, subject, plainText, html } = input;
  if (typeof messageId !== "string" || !/^[A-Za-z0-9._:-]{1,200}$/.test(messageId)) return "messageId must be 1-200 letters, digits, . _ : -";
  const recipient = to as { address?: unknown; displayName?: unknown } | undefined;
  if (typeof recipient !== "object" || recipient === null || typeof recipient.address !== "string" || !/^[^@\s]+@[^@\s]+$/.test(recipient.address)) {
    return "to.address must be an email address.";
  }
  if (!isText(recipient.displayName, 200)) return "to.displayName must be a string of at most 200 characters.";
  if (!isText(subject, 500) || subject === "") return "subject must be a 1-500 character string.";
  if (!isText(plainText, 100_000)) return "plainText must be a string.";
  if (!isText(html, 200_000)) return "html must be a string.";
  return undefined;
}
