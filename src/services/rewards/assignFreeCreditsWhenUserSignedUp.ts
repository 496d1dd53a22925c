import { z } from "zod";
import { Currency, currencySchema } from "../../events/money";
import { documentSchema } from "../../platform/documentSchema";
import { ReactionEvent, defineReaction } from "../../define";
import { deterministicId } from "../../platform/ids";
import { Decision, DecisionContext, LoadContext, nothingToDo } from "../../platform/reactions";

type UserSignedUp = ReactionEvent<"rewards", "assignFreeCreditsWhenUserSignedUp">;

/** The sign-up bonus on offer, from app settings. */
export interface FreeCreditsOffer {
  readonly amount: number;
  readonly currency: Currency;
}

/** One per user: its existence is what makes the bonus a once-per-user thing. */
export const freeCreditsGrantDocumentSchema = documentSchema("freeCreditsGrant", {
  userId: z.string(),
  grantId: z.string(),
  amount: z.number(),
  currency: currencySchema,
  assignedAt: z.string(),
});
export type FreeCreditsGrantDocument = z.infer<typeof freeCreditsGrantDocumentSchema>;

export const grantDocumentId = (userId: string): string => `grant:${userId}`;
/** From the user, not the event: whatever event asks again, the grant (and the ledger entry derived from it) is the same. */
export const freeCreditsGrantId = (userId: string): string => deterministicId("free-credits", userId);

export interface AssignFreeCreditsState {
  readonly grant: FreeCreditsGrantDocument | undefined;
  readonly offer: FreeCreditsOffer;
}

export const assignFreeCredits = (event: UserSignedUp, state: AssignFreeCreditsState, context: DecisionContext): Decision => {
  if (state.grant) return nothingToDo;
  const { userId } = event.data;
  const grantId = freeCreditsGrantId(userId);
  const { amount, currency } = state.offer;
  return {
    changes: [
      {
        put: {
          id: grantDocumentId(userId),
          pk: userId,
          kind: "freeCreditsGrant",
          userId,
          grantId,
          amount,
          currency,
          assignedAt: context.now.toISOString(),
        } satisfies FreeCreditsGrantDocument,
      },
    ],
    // A user's wallet id is their user id.
    publish: [{ type: "Rewards.FreeCreditsAssigned.v1", subject: `users/${userId}`, data: { userId, walletId: userId, grantId, amount, currency } }],
  };
};

/** What the rewards service's ports carry: its settings, which `load` reads. */
export interface RewardsPorts {
  readonly settings: { readonly freeCredits: FreeCreditsOffer };
}

export const assignFreeCreditsWhenUserSignedUp = defineReaction("rewards", "assignFreeCreditsWhenUserSignedUp", {
  partitionKey: (event) => event.data.userId,
  async load(event, { read, settings }: LoadContext<RewardsPorts>) {
    const grant = await read(freeCreditsGrantDocumentSchema, grantDocumentId(event.data.userId), event.data.userId);
    return { grant, offer: settings.freeCredits };
  },
  decide: assignFreeCredits,
  // The grant is named after the user the event signed up: new on a first delivery as a rule.
  tuning: { readHints: [[freeCreditsGrantDocumentSchema, "likelyNew"]] },
});
