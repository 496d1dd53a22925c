import { createPaymentGatewaySimulator } from "./paymentGateway";
import { Simulator } from "./types";

/** The outside systems the services call, simulated for the local stack; all mounted on the dev server under /dev. */
export const createSimulators = (): Simulator[] => [createPaymentGatewaySimulator()];
