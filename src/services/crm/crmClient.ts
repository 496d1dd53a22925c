import { z } from "zod";
import { OutsideCallOptions, callJsonApi } from "../../platform/httpClient";

export type UpsertContactOutcome =
  | { readonly status: "added"; readonly contactId: string }
  /** The CRM refused this contact for good (a 4xx about its data); retrying would get the same answer. */
  | { readonly status: "rejected"; readonly reason: string };

/** The port. Contacts are upserted by our user id, so calling it again for the same user is harmless. */
export interface CrmClient {
  upsertContact(contact: { contactId: string; email: string; name: string }, options: OutsideCallOptions): Promise<UpsertContactOutcome>;
}

export interface HttpCrmClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Must stay well under Event Grid's 30 s delivery timeout. */
  readonly timeoutInMs: number;
  readonly fetch?: typeof fetch;
}

const contactResponse = z.object({ contactId: z.string().min(1).max(200) }).partial();
const rejection = z.object({ message: z.string().optional(), detail: z.string().optional(), code: z.string().optional() }).partial();

/** Statuses that mean "this contact's data is not acceptable", as opposed to "we are misconfigured". */
const REJECTIONS = new Set([400, 409, 422]);

/** Adapter for a REST CRM: `PUT <base>/contacts/{contactId}` with a bearer API key. */
export const createHttpCrmClient = (options: HttpCrmClientOptions): CrmClient => {
  return {
    async upsertContact(contact, call) {
      const url = `${options.baseUrl.replace(/\/$/, "")}/contacts/${encodeURIComponent(contact.contactId)}`;
      // Outages and timeouts are transient: the CRM may be down for a while; Event Grid redelivers until it is back.
      const response = await callJsonApi({
        system: "CRM",
        method: "PUT",
        url,
        body: { email: contact.email, name: contact.name },
        headers: { authorization: `Bearer ${options.apiKey}`, "idempotency-key": call.idempotencyKey },
        timeoutInMs: options.timeoutInMs,
        abortSignal: call.abortSignal,
        fetch: options.fetch,
      });
      const { body, text } = response;
      if (response.status === 200 || response.status === 201) {
        const parsed = contactResponse.safeParse(body);
        return { status: "added", contactId: (parsed.success ? parsed.data.contactId : undefined) ?? contact.contactId };
      }
      if (REJECTIONS.has(response.status)) {
        const parsed = rejection.safeParse(body);
        const why = parsed.success ? parsed.data.detail ?? parsed.data.message ?? parsed.data.code : undefined;
        return { status: "rejected", reason: `CRM rejected the contact (${response.status}): ${(why ?? "no reason given").slice(0, 300)}` };
      }
      // 401/403/404: our key or URL is wrong. Failing (and being retried) is right: fixing the setting completes it.
      throw new Error(`CRM refused the request: ${response.status} ${text.slice(0, 200)}`);
    },
  };
};
