import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { AppConfig } from "./appConfig";
import { resolveEntryPoints } from "./entryPoints";
import { FunctionsHostError } from "./errors";
import type { HostLog } from "./logger";
import type { FunctionRegistry } from "./registry";

// A real `import()` even though this file compiles to CommonJS, where tsc would turn it into require().
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the one way to keep import() in CommonJS output
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

const isEsModule = (file: string, config: AppConfig): boolean =>
  file.endsWith(".mjs") || (!file.endsWith(".cjs") && config.isEsm);

/** Loads the app's entry points as the Node worker does: every file `main` names, in order, registering as it goes. */
export const loadEntryPoints = async (config: AppConfig, registry: FunctionRegistry, log: HostLog): Promise<void> => {
  if (!config.main) {
    log("warn", `${path.join(config.appRoot, "package.json")} has no "main" field: no functions to load.`);
    return;
  }
  for (const file of resolveEntryPoints(config.appRoot, config.main)) {
    const relative = path.relative(config.appRoot, file);
    log("debug", `Loading entry point file "${relative}"`);
    registry.currentEntryPoint = file;
    try {
      if (isEsModule(file, config)) await importModule(pathToFileURL(file).href);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS entry points load as the worker loads them
      else require(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new FunctionsHostError("HOST.ENTRY_POINT_FAILED", `Worker was unable to load entry point "${relative}": ${message}`, {
        cause: error,
      });
    } finally {
      registry.currentEntryPoint = undefined;
    }
  }
};
