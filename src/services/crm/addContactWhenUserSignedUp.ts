import { ReactionEvent } from "../../platform/eventParsing";
import { Decision, DecisionContext, Reaction, nothingToDo } from "../../platform/reaction";
import { z } from "zod";
import { documentSchema, readValid } from "../../platform/documentSchema";
import { CrmClient, UpsertContactOutcome } from "./crmClient";

type UserSignedUp = ReactionEvent<"crm", "addContactWhenUserSignedUp">;

/** What the CRM answered for a user, once; later deliveries find it and neither call the CRM nor publish again. */
export const contactDocumentSchema = documentSchema("contact", {
  userId: z.string(),
  status: z.enum(["Added", "Failed"]),
  contactId: z.string().optional(),
  reason: z.string().optional(),
  updatedAt: z.string(),
});
export type ContactDocument = z.infer<typeof contactDocumentSchema>;

export const contactDocumentId = (userId: string): string => `contact:${userId}`;

export interface AddContactState {
  readonly contact: ContactDocument | undefined;
  readonly outcome: UpsertContactOutcome | undefined;
}

export const recordContact = (event: UserSignedUp, state: AddContactState, context: DecisionContext): Decision => {
  if (state.contact || !state.outcome) return nothingToDo;
  const { userId } = event.data;
  const base = { id: contactDocumentId(userId), pk: userId, kind: "contact" as const, userId, updatedAt: context.now.toISOString() };
  const subject = `users/${userId}`;
  if (state.outcome.status === "added") {
    const { contactId } = state.outcome;
    return {
      changes: [{ put: { ...base, status: "Added", contactId } satisfies ContactDocument }],
      publish: [{ type: "Crm.ContactAdded.v1", subject, data: { userId, contactId } }],
    };
  }
  const { reason } = state.outcome;
  return {
    changes: [{ put: { ...base, status: "Failed", reason } satisfies ContactDocument }],
    publish: [{ type: "Crm.ContactAddFailed.v1", subject, data: { userId, reason } }],
  };
};

export const addContactWhenUserSignedUp: Reaction<"crm", "addContactWhenUserSignedUp", AddContactState, { crm: CrmClient }> = {
  service: "crm",
  name: "addContactWhenUserSignedUp",
  partitionKey: (event) => event.data.userId,
  async load(event, { store, ports, idempotencyKey }) {
    const { userId, email, name } = event.data;
    const contact = await readValid(store, contactDocumentSchema, contactDocumentId(userId), userId);
    if (contact) return { contact, outcome: undefined };
    // A CRM outage throws TransientError here: nothing is written and Event Grid redelivers later.
    const outcome = await ports.crm.upsertContact({ contactId: userId, email, name }, { idempotencyKey });
    return { contact: undefined, outcome };
  },
  decide: recordContact,
};
