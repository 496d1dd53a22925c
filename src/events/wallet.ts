import { z } from "zod";
import { amountSchema, currencySchema } from "./money";
import { fundingSourceIdSchema } from "./tokenReferences";

const id = z.string().min(1).max(100);
const positiveAmount = amountSchema.refine((n) => n > 0, "must be > 0");

/** v2: the bank account is a reference banking keeps (`fundingSourceId`), no longer the bank token (v1's `bankToken`). */
export const topUpInitiatedV2 = z.object({
  topUpId: id,
  walletId: id,
  amount: positiveAmount,
  currency: currencySchema,
  fundingSourceId: fundingSourceIdSchema,
});

export const bankPaymentSucceededV1 = z.object({
  topUpId: id,
  walletId: id,
  bankPaymentId: z.string().min(1).max(200),
  amount: positiveAmount,
  currency: currencySchema,
});

export const bankPaymentDeclinedV1 = z.object({
  topUpId: id,
  walletId: id,
  code: z.string().min(1).max(100),
  reason: z.string().min(1).max(500),
});

export const creditReasonSchema = z.enum(["FreeCredits", "TopUp"]);
export type CreditReason = z.infer<typeof creditReasonSchema>;

export const walletCreditedV1 = z.object({
  walletId: id,
  entryId: z.string().min(1).max(200),
  amount: positiveAmount,
  currency: currencySchema,
  reason: creditReasonSchema,
  /** Balance after this credit. */
  balance: amountSchema,
  topUpId: id.optional(),
  grantId: z.string().min(1).max(200).optional(),
});

export const topUpFailedV1 = z.object({ topUpId: id, walletId: id, reason: z.string().min(1).max(500) });

export const userNotifiedV1 = z.object({
  userId: id,
  messageId: z.string().min(1).max(200),
  notification: z.enum(["TopUpSucceeded", "TopUpFailed"]),
  topUpId: id,
});
