import { ReactionEvent } from "../../platform/eventParsing";
import { readValid } from "../../platform/documentSchema";
import { Decision, Reaction, nothingToDo } from "../../platform/reaction";
import { RECIPIENT_DOCUMENT_ID, RecipientDocument, recipientDocumentSchema } from "./documents";

type UserSignedUp = ReactionEvent<"notifications", "rememberRecipientWhenUserSignedUp">;

/** Keeps the address locally instead of asking the users service at send time: no runtime coupling between the two. */
export const rememberRecipient = (event: UserSignedUp, existing: RecipientDocument | undefined): Decision => {
  if (existing) return nothingToDo;
  const { userId, email, name } = event.data;
  return {
    changes: [{ put: { id: RECIPIENT_DOCUMENT_ID, pk: userId, kind: "recipient", userId, email, name } satisfies RecipientDocument }],
    publish: [],
  };
};

export const rememberRecipientWhenUserSignedUp: Reaction<"notifications", "rememberRecipientWhenUserSignedUp", RecipientDocument | undefined> = {
  service: "notifications",
  name: "rememberRecipientWhenUserSignedUp",
  partitionKey: (event) => event.data.userId,
  // The signed-up user's recipient record: new on a first delivery as a rule (a conflict makes the next attempt read it).
  load: (event, { store }) => readValid(store, recipientDocumentSchema, RECIPIENT_DOCUMENT_ID, event.data.userId, { likelyNew: true }),
  decide: (event, existing) => rememberRecipient(event, existing),
  // Publishes nothing, and a recipient once remembered decides nothing again: no inbox record.
  dedupe: "idempotentState",
};
