import { z } from "zod";
import { amountSchema, currencySchema } from "./money";

const id = z.string().min(1).max(100);

/** Lower-cased and trimmed before it is stored, so one mailbox is one user. */
export const emailAddressSchema = z.email().max(254);

export const userSignedUpV1 = z.object({
  userId: id,
  email: emailAddressSchema,
  name: z.string().min(1).max(200),
});

export const welcomeEmailSentV1 = z.object({
  userId: id,
  /** Derived from the UserSignedUp event id: the mailbox/provider dedupes on it. */
  messageId: z.string().min(1).max(200),
});

export const contactAddedV1 = z.object({ userId: id, contactId: z.string().min(1).max(200) });
export const contactAddFailedV1 = z.object({ userId: id, reason: z.string().min(1).max(500) });

export const freeCreditsAssignedV1 = z.object({
  userId: id,
  /** A user's wallet id is their user id; carried explicitly so the ledger does not depend on that convention. */
  walletId: id,
  /** One grant per user: the ledger derives the entry id from it, so the grant is credited once. */
  grantId: z.string().min(1).max(200),
  amount: amountSchema.refine((n) => n > 0, "must be > 0"),
  currency: currencySchema,
});

export const userOnboardedV1 = z.object({
  userId: id,
  /** A CRM rejection does not block onboarding; it is recorded here so marketing can follow up. */
  crm: z.enum(["Added", "Failed"]),
});
