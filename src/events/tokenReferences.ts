import { z } from "zod";

/**
 * An opaque reference to a high-value token kept by the one service that spends it (src/platform/tokenVault.ts):
 * `<prefix>_` and 24 random bytes in base64url. Events carry these, never the tokens.
 */
export const tokenReferenceSchema = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_-]{32}$`), `must be a ${prefix}_… reference from the service that keeps the token`);

/** A card token kept by payments (`POST /api/payment-methods`). */
export const paymentMethodIdSchema = tokenReferenceSchema("pm");
/** A bank token kept by banking (`POST /api/funding-sources`). */
export const fundingSourceIdSchema = tokenReferenceSchema("fs");
