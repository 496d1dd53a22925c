import type { ServerResponse } from "node:http";
import { createBankSimulator } from "./bank";
import { createCrmSimulator } from "./crm";
import { createMailboxSimulator } from "./mailbox";
import { createPaymentGatewaySimulator } from "./paymentGateway";
import { memoryStore, type SimulatorStore } from "./store";
import { Simulator } from "./types";

/** Locally the bank adapter gives up after this long; `bank_slow` answers later than that on its first attempt. */
export const LOCAL_BANK_TIMEOUT_MS = 1000;

/**
 * The outside systems the services call, simulated for the local stack; all mounted on the dev server under /dev.
 * With a journaled `store` they keep their records across a restart, each answer leaving once its record is on disk.
 */
export const createSimulators = (store: SimulatorStore = memoryStore()): Simulator[] =>
  [
    createPaymentGatewaySimulator({ store }),
    createBankSimulator({ slowResponseInMs: LOCAL_BANK_TIMEOUT_MS + 500, store }),
    createCrmSimulator({ store }),
    createMailboxSimulator({ store }),
  ].map((simulator) => withDurableAnswers(simulator, store));

/**
 * Holds each answer of the simulator, and its reset, until what it recorded is on disk, so no answer tells of a
 * record (or a reset) a crash loses.
 */
const withDurableAnswers = (simulator: Simulator, store: SimulatorStore): Simulator => ({
  ...simulator,
  ...(simulator.reset && {
    reset: async () => {
      await simulator.reset?.();
      await store.durable();
    },
  }),
  handle: (req, res, url, body) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (!store.pending) return end(...args);
      store.durable().then(
        () => end(...args),
        (error: Error) => res.destroy(error),
      );
      return res;
    }) as typeof res.end;
    return simulator.handle(req, res, url, body);
  },
});
