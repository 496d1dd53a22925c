import { z } from "zod";

/**
 * ISO 4217 codes the system accepts: an unknown currency is a 400, not a silent pass. All have two minor units, which
 * the 2-decimal amount rule assumes (JPY, with none, would need its own rule).
 */
export const currencyCodes = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD"] as const;
export const currencySchema = z.enum(currencyCodes);
export type Currency = z.infer<typeof currencySchema>;

/**
 * The largest amount any event may carry, in major units: its cents (1e15) stay below Number.MAX_SAFE_INTEGER (≈9e15),
 * so every amount and every sum of a few of them is exact in cents. Commands have far lower business limits.
 */
export const MAX_EXACT_AMOUNT = 10_000_000_000_000;

/** A money amount in major units with at most two decimals (checked on the integer cent value, not with floats). */
export const amountSchema = z
  .number()
  .finite()
  .refine((n) => Math.abs(n) <= MAX_EXACT_AMOUNT, `must be at most ${MAX_EXACT_AMOUNT} in absolute value (exact in cents)`)
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, "must have at most 2 decimals");

/** Integer minor units (cents) avoid float drift in sums such as a wallet balance. */
export const toCents = (amount: number): number => Math.round(amount * 100);
export const fromCents = (cents: number): number => cents / 100;
