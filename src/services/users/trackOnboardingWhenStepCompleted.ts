import { TransientError } from "../../platform/errors";
import { ReactionEvent, defineReaction } from "../../define";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";
import { OnboardingSteps, UserDocument, isOnboardingComplete, userDocumentId, userDocumentSchema } from "./documents";

type StepCompleted = ReactionEvent<"users", "trackOnboardingWhenStepCompleted">;

const stepOf = (event: StepCompleted): Partial<OnboardingSteps> => {
  switch (event.type) {
    case "Email.WelcomeEmailSent.v1":
      return { welcomeEmail: "Sent" };
    case "Crm.ContactAdded.v1":
      return { crm: "Added" };
    case "Crm.ContactAddFailed.v1":
      return { crm: "Failed" };
    case "Rewards.FreeCreditsAssigned.v1":
      return { credits: "Assigned" };
    default: {
      const never: never = event;
      throw new Error(`Unhandled step ${(never as { type: string }).type}`);
    }
  }
};

/**
 * Records one finished step; the step that completes the set flips the user to Onboarded and announces it. The three
 * steps arrive in any order and in parallel: the runner writes the user at the version it read, so exactly one of
 * them sees the set complete (the others lose the race, read again and decide again).
 */
export const trackOnboarding = (event: StepCompleted, user: UserDocument, context: DecisionContext): Decision => {
  const step = stepOf(event);
  // A step's first outcome stands: a CRM contact that was added is not "un-added" by a stray failure, and vice versa.
  const changed = (Object.keys(step) as (keyof OnboardingSteps)[]).filter((k) => user.onboarding[k] === "Pending");
  if (changed.length === 0) return nothingToDo;
  const onboarding: OnboardingSteps = { ...user.onboarding, ...step };
  const completes = user.status === "Onboarding" && isOnboardingComplete(onboarding);
  const next: UserDocument = {
    ...user,
    onboarding,
    status: completes ? "Onboarded" : user.status,
    updatedAt: context.now.toISOString(),
  };
  return {
    changes: [{ put: next }],
    publish: completes
      ? [{ type: "Users.UserOnboarded.v1", subject: `users/${user.userId}`, data: { userId: user.userId, crm: onboarding.crm === "Added" ? "Added" : "Failed" } }]
      : [],
  };
};

export const trackOnboardingWhenStepCompleted = defineReaction("users", "trackOnboardingWhenStepCompleted", {
  partitionKey: (event) => event.data.userId,
  async load(event, { read }) {
    const user = await read(userDocumentSchema, userDocumentId(event.data.userId), event.data.userId);
    // Steps only follow a committed sign-up, but a replica may not show it yet (session consistency across
    // instances): retry rather than drop the step. An event for a user that never existed dead-letters in the end.
    if (!user) throw new TransientError(`User ${event.data.userId} not found (yet)`);
    return user;
  },
  decide: trackOnboarding,
  tuning: {
    // A step's first outcome stands and the user is announced once, when the set completes (see the idempotence
    // test): only that step needs an inbox record.
    dedupe: "idempotentState",
    // The three steps arrive together: in turn, each takes the user from memory.
    oneAtATimePerPartition: true,
    // From this process's memory when it committed the user last (signed up, or a step): the user only moves forward,
    // so an older version makes the commit conflict or decides nothing for a step it has taken in, as the newer would.
    readHints: [[userDocumentSchema, "ownLatest"]],
  },
});
