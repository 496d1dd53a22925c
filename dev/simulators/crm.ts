import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson, type Simulator } from "./types";
import { parseObject } from "./json";
import { memoryStore, type SimulatorStore } from "./store";

const BASE_PATH = "/dev/crm";
/** Addresses at this domain are refused with 422, to exercise Crm.ContactAddFailed.v1. */
export const CRM_REJECTED_DOMAIN = "crm-reject.example";

export interface CrmSimulatorOptions {
  now?: () => Date;
  /** Where the contacts are kept (default: memory); an outage is not kept. */
  store?: SimulatorStore;
}

export interface CrmContact {
  contactId: string;
  email: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Successful upserts of this contact; more than one means the caller called again (harmless, but visible). */
  upserts: number;
}

/**
 * A CRM's contacts API: `PUT /contacts/{contactId}` upserts (so a retry is harmless), a bearer key is required.
 * `PUT /outage {"down": true}` takes it down (every contact call answers 503) until `{"down": false}`.
 */
export function createCrmSimulator(options: CrmSimulatorOptions = {}): Simulator {
  const now = options.now ?? (() => new Date());
  const contacts = (options.store ?? memoryStore()).table<CrmContact>("crm.contacts");
  let down = false;
  let refusedWhileDown = 0;

  const reset = (): void => {
    contacts.clear();
    down = false;
    refusedWhileDown = 0;
  };

  const upsert = (req: IncomingMessage, res: ServerResponse, contactId: string, body: Buffer): void => {
    if (down) {
      refusedWhileDown += 1;
      sendJson(res, 503, { code: "crm_unavailable", message: "The CRM is down for maintenance." }, { "retry-after": "1" });
      return;
    }
    const auth = req.headers.authorization;
    if (typeof auth !== "string" || !/^Bearer \S+$/.test(auth)) {
      sendJson(res, 401, { code: "unauthorized", message: "Send Authorization: Bearer <api key>." });
      return;
    }
    if (!/^[A-Za-z0-9._:-]{1,100}$/.test(contactId)) {
      sendJson(res, 400, { code: "invalid_contact_id", message: "contactId must be 1-100 letters, digits, . _ : -" });
      return;
    }
    const input = parseObject(body);
    const { email, name } = input ?? {};
    if (typeof email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(email) || email.length > 254) {
      sendJson(res, 400, { code: "invalid_email", message: "email must be an email address." });
      return;
    }
    if (typeof name !== "string" || name.trim() === "" || name.length > 200) {
      sendJson(res, 400, { code: "invalid_name", message: "name must be a 1-200 character string." });
      return;
    }
    if (email.toLowerCase().endsWith(`@${CRM_REJECTED_DOMAIN}`)) {
      sendJson(res, 422, { code: "contact_rejected", message: `The CRM does not accept addresses at ${CRM_REJECTED_DOMAIN}.` });
      return;
    }
    const time = now().toISOString();
    const existing = contacts.get(contactId);
    const contact: CrmContact = existing
      ? { ...existing, email, name, updatedAt: time, upserts: existing.upserts + 1 }
      : { contactId, email, name, createdAt: time, updatedAt: time, upserts: 1 };
    contacts.set(contactId, contact);
    sendJson(res, existing ? 200 : 201, contact);
  };

  return {
    name: "crm",
    basePath: BASE_PATH,
    reset,
    endpoints: [
      { method: "PUT", path: `${BASE_PATH}/contacts/{contactId}`, description: `Upsert { email, name }; Bearer key required; addresses @${CRM_REJECTED_DOMAIN} are rejected (422)` },
      { method: "GET", path: `${BASE_PATH}/contacts`, description: "Every contact, with its upsert count" },
      { method: "GET", path: `${BASE_PATH}/contacts/{contactId}`, description: "One contact" },
      { method: "PUT", path: `${BASE_PATH}/outage`, description: 'Simulate an outage: { "down": true } until { "down": false }' },
      { method: "GET", path: `${BASE_PATH}/outage`, description: "Whether the CRM is down, and how many calls it refused while down" },
      { method: "POST", path: `${BASE_PATH}/reset`, description: "Forget everything" },
    ],
    handle: async (req, res, url, body) => {
      const path = url.pathname.slice(BASE_PATH.length).replace(/\/+$/, "");
      const method = req.method ?? "GET";
      if (path === "/contacts" && method === "GET") sendJson(res, 200, [...contacts.values()]);
      else if (path.startsWith("/contacts/") && method === "PUT") upsert(req, res, decodeURIComponent(path.slice("/contacts/".length)), body);
      else if (path.startsWith("/contacts/") && method === "GET") {
        const found = contacts.get(decodeURIComponent(path.slice("/contacts/".length)));
        if (found) sendJson(res, 200, found);
        else sendJson(res, 404, { code: "contact_not_found", message: "No such contact." });
      } else if (path === "/outage" && method === "PUT") {
        const input = parseObject(body);
        if (typeof input?.["down"] !== "boolean") {
          sendJson(res, 400, { code: "invalid_request", message: 'Send { "down": true | false }.' });
        } else {
          down = input["down"];
          sendJson(res, 200, { down, refusedWhileDown });
        }
      } else if (path === "/outage" && method === "GET") sendJson(res, 200, { down, refusedWhileDown });
      else if (path === "/reset" && method === "POST") {
        reset();
        sendJson(res, 200, { reset: true });
      } else if (["/contacts", "/outage", "/reset"].includes(path)) {
        sendJson(res, 405, { code: "method_not_allowed", message: `${method} is not allowed on ${url.pathname}.` });
      } else return false;
      return true;
    },
  };
}
