import type { ServiceName } from "../../src/topology";
import type { HostSupervisor } from "../hostSupervisor";
import type { Simulator } from "../simulators/types";

/** Which outside call of which service a "kill during its next call" interrupts: the calls that move money. */
export const crashableCalls = [
  { service: "payments", simulator: "payment-gateway", method: "POST", path: "/dev/payments/charges", description: "a gateway charge" },
  { service: "banking", simulator: "bank", method: "POST", path: "/dev/bank/payments", description: "a bank payment" },
] as const satisfies readonly { service: ServiceName; simulator: string; method: string; path: string; description: string }[];

export interface CallCrashInjector extends Simulator {
  readonly service: ServiceName;
  /** The next matching call kills the service's host, then lets the simulator act on the call: it is done, the caller is gone. */
  arm(downForMs: number): void;
  readonly armed: boolean;
}

/**
 * Sits in front of one simulator endpoint (the dev server routes the longest base path first) and passes every
 * request through; when armed, it SIGKILLs the calling service's host before the simulator acts on the call. That is
 * the interleaving a timer cannot hit: the outside system moved the money, the process died before its commit.
 */
export const createCallCrashInjector = (hosts: HostSupervisor, call: (typeof crashableCalls)[number], target: Simulator): CallCrashInjector => {
  let armedFor: number | undefined;
  return {
    name: `crash-injector:${call.service}`,
    basePath: call.path,
    service: call.service,
    endpoints: [],
    get armed() {
      return armedFor !== undefined;
    },
    arm(downForMs) {
      armedFor = downForMs;
    },
    handle: async (req, res, url, body) => {
      if (armedFor !== undefined && req.method === call.method && url.pathname.replace(/\/+$/, "") === call.path) {
        const downForMs = armedFor;
        armedFor = undefined;
        try {
          hosts.kill(call.service, { downForMs });
        } catch {
          /* the host is already down: the call goes through as any other */
        }
      }
      return target.handle(req, res, url, body);
    },
  };
};
