import { z } from "zod";
import { currencySchema } from "../../events/money";
import { LedgerPorts } from "./documents";
import { parseSettings } from "../../platform/config";
import { ServiceModule } from "../../define";
import { creditWalletWhenFreeCreditsAssigned } from "./creditWalletWhenFreeCreditsAssigned";
import { initiateTopUp } from "./initiateTopUpHttp";
import { openWalletWhenUserSignedUp } from "./openWalletWhenUserSignedUp";
import { settleTopUpWhenBankPaymentSettled } from "./settleTopUpWhenBankPaymentSettled";
import { getTopUp, getWallet } from "./walletHttp";

const settings = z.object({
  WALLET_CURRENCY: z.string().trim().optional().transform((s) => s || "EUR").pipe(currencySchema),
});

export const ledgerService: ServiceModule<"ledger", LedgerPorts> = {
  name: "ledger",
  reactions: [openWalletWhenUserSignedUp, creditWalletWhenFreeCreditsAssigned, settleTopUpWhenBankPaymentSettled],
  http: { initiateTopUp, getTopUp, getWallet },
  createPorts(env) {
    return { settings: { walletCurrency: parseSettings(settings, env, "ledger").WALLET_CURRENCY } };
  },
};
