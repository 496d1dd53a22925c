import { z } from "zod";

/**
 * What the dev tools (chaos run, demo, ops benchmarks) read from the running stack's HTTP APIs and simulators, as zod
 * schemas: an answer that changed shape fails here, naming the call, instead of turning into `undefined` further on.
 * Each schema lists only the fields its readers use; the rest of an answer passes through untouched.
 */
const host = z.looseObject({ pid: z.number().nullable() });

export const apiReplies = {
  orderAccepted: z.looseObject({ orderId: z.string(), correlationId: z.string() }),
  userAccepted: z.looseObject({ userId: z.string(), correlationId: z.string() }),
  topUpAccepted: z.looseObject({ topUpId: z.string(), correlationId: z.string() }),
  /** `POST /api/payment-methods` of payments: the card token kept there, named by this reference. */
  paymentMethod: z.looseObject({ paymentMethodId: z.string() }),
  /** `POST /api/funding-sources` of banking: the bank token kept there, named by this reference. */
  fundingSource: z.looseObject({ fundingSourceId: z.string() }),
  /** An `application/problem+json` answer. */
  problem: z.looseObject({ code: z.string().optional(), detail: z.string().optional() }),
  order: z.looseObject({
    status: z.string(),
    inventory: z.string(),
    payment: z.string(),
    total: z.number(),
    items: z.array(z.looseObject({ sku: z.string(), quantity: z.number() })),
    invoice: z.looseObject({ status: z.string() }).nullable(),
  }),
  stockLevel: z.looseObject({ available: z.number(), reserved: z.number() }),
  user: z.looseObject({ status: z.string(), onboarding: z.record(z.string(), z.string()) }),
  wallet: z.looseObject({ balance: z.number(), entries: z.array(z.looseObject({ amount: z.number() })) }),
  topUp: z.looseObject({ status: z.string() }),
  /** `GET /api/flows/{correlationId}` of the journal: the flow's events, causes before effects. */
  flow: z.looseObject({
    events: z.array(z.looseObject({ time: z.string(), type: z.string(), source: z.string(), subject: z.string().optional() })),
  }),
  charges: z.array(z.looseObject({ chargeId: z.string(), amount: z.number(), status: z.string(), reference: z.string().optional() })),
  refunds: z.array(z.looseObject({ refundId: z.string(), chargeId: z.string(), amount: z.number() })),
  emails: z.array(z.looseObject({ to: z.looseObject({ address: z.string() }), subject: z.string(), plainText: z.string() })),
  contacts: z.array(z.looseObject({ contactId: z.string(), email: z.string() })),
  bankPayments: z.array(
    z.looseObject({ paymentId: z.string(), reference: z.string().optional(), status: z.string(), amount: z.number() }),
  ),
  /** `GET /admin/faults`: the store's last fault plan, under way or ended, and what it did. */
  storeFaults: z.looseObject({
    store: z.looseObject({ throttled: z.number(), unavailable: z.number(), delayed: z.number() }).nullable(),
  }),
  /** `POST /admin/hosts/{service}/kill`: the host killed now, or armed to die during its next outside call. */
  killedHost: z.union([
    z.looseObject({ killed: host }).transform((answer) => answer.killed),
    z.looseObject({ armed: host }).transform((answer) => answer.armed),
  ]),
} as const;

/** Parses an answer of the stack with its schema; a mismatch throws naming what was called and what did not fit. */
export const parseReply = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${what}: unexpected answer (${z.prettifyError(parsed.error).replace(/\n/g, "; ")}): ${String(JSON.stringify(body)).slice(0, 300)}`);
  }
  return parsed.data;
};
