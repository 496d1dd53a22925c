import { z } from "zod";
import { APP_ROLES } from "../../platform/appRoles";
import { keepTokenHttp, tokenVault } from "../../platform/tokenVault";

/**
 * Card tokens stay here. A client registers its card token once (`POST /api/payment-methods`) and places orders with
 * the `paymentMethodId` it gets back; only payments can turn that id into a charge, and only for the customer it was
 * registered for.
 */
export const paymentMethods = tokenVault("paymentMethod", "pm", "customer", "PAYMENT_METHOD.IDEMPOTENCY_KEY_REUSED");

/** POST /api/payment-methods `{ customerId, paymentToken }` → 201 `{ paymentMethodId }`. The caller who places orders. */
export const registerPaymentMethod = keepTokenHttp(paymentMethods, {
  role: APP_ROLES.ordersWrite,
  body: z
    .strictObject({ customerId: z.string().trim().min(1).max(100), paymentToken: z.string().min(1).max(100) })
    .transform(({ customerId, paymentToken }) => ({ owner: customerId, token: paymentToken })),
  answer: (paymentMethodId) => ({ paymentMethodId }),
});
