import { z } from "zod";
import { amountSchema, currencySchema } from "../../events/money";
import { parseSettings } from "../../platform/config";
import { FreeCreditsOffer } from "./assignFreeCreditsWhenUserSignedUp";

const settings = z.object({
  FREE_CREDITS_AMOUNT: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s ? Number(s) : 10))
    .pipe(amountSchema.refine((n) => n > 0 && n <= 10_000, "must be > 0 and ≤ 10000")),
  FREE_CREDITS_CURRENCY: z
    .string()
    .trim()
    .optional()
    .transform((s) => s || "EUR")
    .pipe(currencySchema),
});

/** `FREE_CREDITS_AMOUNT` (default 10.00) and `FREE_CREDITS_CURRENCY` (default EUR); fails naming the bad setting. */
export const freeCreditsOfferFromSettings = (env: NodeJS.ProcessEnv): FreeCreditsOffer => {
  const parsed = parseSettings(settings, env, "rewards");
  return { amount: parsed.FREE_CREDITS_AMOUNT, currency: parsed.FREE_CREDITS_CURRENCY };
};
