import { z } from "zod";
import { parseSettings } from "../../platform/config";
import { ServiceModule } from "../../define";
import { addContactWhenUserSignedUp } from "./addContactWhenUserSignedUp";
import { CrmClient, createHttpCrmClient } from "./crmClient";

const settings = z.object({
  CRM_API_URL: z.url({ message: "CRM_API_URL must be the CRM API's base URL" }),
  CRM_API_KEY: z.string({ message: "CRM_API_KEY is required" }).trim().min(1, "CRM_API_KEY is required"),
  CRM_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(25_000).default(10_000),
});

export const crmService: ServiceModule<"crm", { crm: CrmClient }> = {
  name: "crm",
  reactions: [addContactWhenUserSignedUp],
  http: {},
  createPorts(env) {
    const s = parseSettings(settings, env, "CRM");
    return { crm: createHttpCrmClient({ baseUrl: s.CRM_API_URL, apiKey: s.CRM_API_KEY, timeoutInMs: s.CRM_API_TIMEOUT_MS }) };
  },
};
