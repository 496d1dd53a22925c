import { z } from "zod";
import { Currency, currencySchema } from "../../events/money";
import { parseSettings } from "../../platform/config";
import { ServiceModule } from "../../platform/serviceModule";
import { creditWalletWhenFreeCreditsAssigned } from "./creditWalletWhenFreeCreditsAssigned";
import { initiateTopUp } from "./initiateTopUpHttp";
import { openWalletWhenUserSignedUp } from "./openWalletWhenUserSignedUp";
import { settleTopUpWhenBankPaymentSettled } from "./settleTopUpWhenBankPaymentSettled";
import { getTopUp, getWallet } from "./walletHttp";

const settings = z.object({
  WALLET_CURRENCY: z.string().trim().optional().transform((s) => s || "EUR").pipe(currencySchema),
});

export const ledgerService: ServiceModule<"ledger", { walletCurrency: Currency }> = {
  name: "ledger",
  reactions: [openWalletWhenUserSignedUp, creditWalletWhenFreeCreditsAssigned, settleTopUpWhenBankPaymentSettled],
  http: { initiateTopUp, getTopUp, getWallet },
  createPorts(env) {
    return { walletCurrency: parseSettings(settings, env, "ledger").WALLET_CURRENCY };
  },
};
