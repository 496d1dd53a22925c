import Module = require("module");
import type { CoreApi } from "./coreTypes";
import { FunctionsHostError } from "./errors";

const coreModuleName = "@azure/functions-core";

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: LoadFn };

let active: CoreApi | undefined;
let originalLoad: LoadFn | undefined;
let started = false;

/**
 * Makes `require("@azure/functions-core")` return `coreApi`, as the Node worker does, so that `@azure/functions`
 * leaves test mode and hands its registrations to this host. `_load` (not `prototype.require`) is patched so that
 * requires made through `createRequire` and ESM-to-CJS loads are caught too.
 * One host per process, ever: the library keeps the core API, and the require cache keeps the app, in module state, so
 * a second load in the same process would register nothing.
 */
export const installCoreModule = (coreApi: CoreApi): (() => void) => {
  if (started) {
    throw new FunctionsHostError(
      "HOST.ALREADY_RUNNING",
      "A local Functions host was already started in this process; start each host in its own process.",
    );
  }
  started = true;
  active = coreApi;
  if (!originalLoad) {
    const load = moduleInternals._load;
    originalLoad = load;
    moduleInternals._load = function (this: unknown, request, parent, isMain) {
      if (request === coreModuleName && active) return active;
      return load.call(this, request, parent, isMain);
    };
  }
  return () => {
    if (active === coreApi) active = undefined;
  };
};
