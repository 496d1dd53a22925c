import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, Outside, nothingToDo } from "../../platform/reactions";
import { z } from "zod";
import { documentSchema } from "../../platform/documentSchema";
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

export const addContactWhenUserSignedUp = defineReaction("crm", "addContactWhenUserSignedUp", {
  partitionKey: (event) => event.data.userId,
  load: (event, { read }) => read(contactDocumentSchema, contactDocumentId(event.data.userId), event.data.userId),
  async act(event, contact, outside: Outside<{ crm: CrmClient }>): Promise<AddContactState> {
    if (contact) return { contact, outcome: undefined };
    const { userId, email, name } = event.data;
    // An upsert under the event's key: the CRM answers a repeat alike. An outage throws TransientError here: nothing
    // is written and Event Grid redelivers later.
    const outcome = await outside.call({
      idempotencyKey: outside.idempotencyKey,
      call: (idempotencyKey) => outside.ports.crm.upsertContact({ contactId: userId, email, name }, { idempotencyKey }),
    });
    return { contact: undefined, outcome };
  },
  decide: recordContact,
});
