import { createBankSimulator } from "./bank";
import { createCrmSimulator } from "./crm";
import { createMailboxSimulator } from "./mailbox";
import { createPaymentGatewaySimulator } from "./paymentGateway";
import { Simulator } from "./types";

/** Locally the bank adapter gives up after this long; `bank_slow` answers later than that on its first attempt. */
export const LOCAL_BANK_TIMEOUT_MS = 1000;

/** The outside systems the services call, simulated for the local stack; all mounted on the dev server under /dev. */
export const createSimulators = (): Simulator[] => [
  createPaymentGatewaySimulator(),
  createBankSimulator({ slowResponseInMs: LOCAL_BANK_TIMEOUT_MS + 500 }),
  createCrmSimulator(),
  createMailboxSimulator(),
];
