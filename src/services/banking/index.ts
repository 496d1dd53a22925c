import { z } from "zod";
import { parseSettings } from "../../platform/config";
import { ServiceModule } from "../../define";
import { BankClient, createHttpBankClient } from "./bankClient";
import { registerFundingSource } from "./fundingSources";
import { reconcileBankPayments } from "./reconcileBankPayments";
import { requestBankPaymentWhenTopUpInitiated } from "./requestBankPaymentWhenTopUpInitiated";

const settings = z.object({
  BANK_API_URL: z.url({ message: "BANK_API_URL must be the bank API's base URL" }),
  BANK_API_KEY: z.string().trim().optional().transform((s) => s || undefined),
  // Event Grid gives a delivery 30 s; the bank call must end well before, leaving room for Cosmos and publishing.
  BANK_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(25_000, "must be ≤ 25000 (Event Grid waits 30 s)").default(10_000),
  RECONCILIATION_GRACE_MS: z.coerce.number().int().min(0).default(10 * 60_000),
});

export interface BankingPorts {
  readonly bank: BankClient;
  readonly reconciliationGraceInMs: number;
}

export const bankingService: ServiceModule<"banking", BankingPorts> = {
  name: "banking",
  reactions: [requestBankPaymentWhenTopUpInitiated],
  http: { registerFundingSource },
  timers: {
    async reconcileBankPayments(rt) {
      const { repaired } = await reconcileBankPayments(rt, { graceInMs: rt.ports.reconciliationGraceInMs });
      return repaired > 0 ? `settled ${repaired} bank payment(s) from the bank's records` : undefined;
    },
  },
  createPorts(env) {
    const s = parseSettings(settings, env, "banking");
    return {
      bank: createHttpBankClient({ baseUrl: s.BANK_API_URL, apiKey: s.BANK_API_KEY, timeoutInMs: s.BANK_API_TIMEOUT_MS }),
      reconciliationGraceInMs: s.RECONCILIATION_GRACE_MS,
    };
  },
};
