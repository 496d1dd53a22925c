import { z } from "zod";
import { documentSchema } from "../../platform/documentSchema";
import { deterministicId } from "../../platform/ids";

export const userStatusSchema = z.enum(["Onboarding", "Onboarded"]);
export type UserStatus = z.infer<typeof userStatusSchema>;

export const onboardingStepsSchema = z.object({
  welcomeEmail: z.enum(["Pending", "Sent"]),
  crm: z.enum(["Pending", "Added", "Failed"]),
  credits: z.enum(["Pending", "Assigned"]),
});
export type OnboardingSteps = z.infer<typeof onboardingStepsSchema>;

/**
 * One per user, alone in its partition (the user id). The id is derived from the normalized email, so the email's
 * uniqueness is enforced by Cosmos itself: a second sign-up tries to create the same document and gets a 409.
 */
export const userDocumentSchema = documentSchema("user", {
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  correlationId: z.string(),
  status: userStatusSchema,
  onboarding: onboardingStepsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserDocument = z.infer<typeof userDocumentSchema>;

export const userDocumentId = (userId: string): string => `user:${userId}`;

/** Mailbox providers treat addresses case-insensitively in practice; one mailbox is one user. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const userIdForEmail = (normalizedEmail: string): string => deterministicId("user", normalizedEmail);

export const isOnboardingComplete = (steps: OnboardingSteps): boolean =>
  steps.welcomeEmail === "Sent" && steps.crm !== "Pending" && steps.credits === "Assigned";

export const userView = (user: UserDocument) => ({
  userId: user.userId,
  email: user.email,
  name: user.name,
  status: user.status,
  onboarding: { ...user.onboarding },
});

