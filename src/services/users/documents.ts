import { deterministicId } from "../../platform/ids";
import { StoredDocument } from "../../platform/store";

export type UserStatus = "Onboarding" | "Onboarded";

export interface OnboardingSteps {
  readonly welcomeEmail: "Pending" | "Sent";
  readonly crm: "Pending" | "Added" | "Failed";
  readonly credits: "Pending" | "Assigned";
}

/**
 * One per user, alone in its partition (the user id). The id is derived from the normalized email, so the email's
 * uniqueness is enforced by Cosmos itself: a second sign-up tries to create the same document and gets a 409.
 */
export interface UserDocument extends StoredDocument {
  readonly kind: "user";
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly correlationId: string;
  readonly status: UserStatus;
  readonly onboarding: OnboardingSteps;
  readonly createdAt: string;
  readonly updatedAt: string;
}

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

