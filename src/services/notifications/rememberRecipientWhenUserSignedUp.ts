import { ReactionEvent, defineReaction } from "../../define";
import { Decision, nothingToDo } from "../../platform/reactions";
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

export const rememberRecipientWhenUserSignedUp = defineReaction("notifications", "rememberRecipientWhenUserSignedUp", {
  partitionKey: (event) => event.data.userId,
  load: (event, { read }) => read(recipientDocumentSchema, RECIPIENT_DOCUMENT_ID, event.data.userId),
  decide: (event, existing) => rememberRecipient(event, existing),
  tuning: {
    // Publishes nothing, and a recipient once remembered decides nothing again: no inbox record.
    dedupe: "idempotentState",
    // The signed-up user's recipient record: new on a first delivery as a rule (a conflict makes the next attempt read it).
    readHints: [[recipientDocumentSchema, "likelyNew"]],
  },
});
