import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { mergeLocalSettings, readAppConfig } from "./appConfig";
import { loadEntryPoints } from "./appLoader";
import { installCoreModule } from "./coreModule";
import { FunctionsHostError } from "./errors";
import { describeFunction, type FunctionSummary, isDisabled, isTimerTrigger, summarize } from "./functionInfo";
import { Invoker } from "./invoker";
import { createConsoleLog, type HostLog } from "./logger";
import { FunctionRegistry } from "./registry";
import { createRequestHandler } from "./server";
import { startTimers } from "./timers";
import { timerInput } from "./triggerData";

/** Reported as `hostVersion` to the library and by /admin/host/status: the Functions runtime this stands in for. */
export const hostVersion = "4.1000.0-local";

export interface FunctionsHostOptions {
  /** Folder with package.json and host.json. */
  readonly appRoot: string;
  /** 0 picks a free port. Default 7071. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly bind?: string;
  /** Receives every host and function log line. Default: timestamped lines on stdout/stderr. */
  readonly log?: HostLog;
  /** Do not run timer triggers on their schedule (they can still be invoked through the admin API). */
  readonly disableTimers?: boolean;
  /** Settings the app reads; local.settings.json Values are merged into it. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface FunctionsHost {
  /** e.g. `http://127.0.0.1:7071` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly functions: readonly FunctionSummary[];
  close(): Promise<void>;
}

const closeGraceMs = 2_000;

export const startFunctionsHost = async (options: FunctionsHostOptions): Promise<FunctionsHost> => {
  const appRoot = path.resolve(options.appRoot);
  const log = options.log ?? createConsoleLog();
  const env = options.env ?? process.env;
  const startedAt = new Date();
  const config = readAppConfig(appRoot);
  mergeLocalSettings(appRoot, env);
  env.AZURE_FUNCTIONS_ENVIRONMENT ??= "Development";

  const registry = new FunctionRegistry(log, hostVersion);
  const uninstall = installCoreModule(registry.createCoreApi());
  const background = new Set<Promise<unknown>>();
  let server: http.Server | undefined;
  let timers: { stop(): void } | undefined;
  try {
    await loadEntryPoints(config, registry, log);
    registry.lock();
    const capabilities = (await registry.programmingModel?.getCapabilities?.({})) ?? {};
    if (capabilities.HttpUri) {
      throw new FunctionsHostError(
        "HOST.ENTRY_POINT_FAILED",
        "The app enables HTTP streaming (app.setup({ enableHttpStream: true })), which this local host does not support.",
      );
    }
    if (config.functionsAllowList) {
      const allowed = new Set(config.functionsAllowList.map((n) => n.toLowerCase()));
      for (const name of [...registry.functions.keys()]) {
        if (!allowed.has(name.toLowerCase())) registry.functions.delete(name);
      }
    }
    for (const hook of registry.hooks("appStart")) {
      await hook({ hookData: registry.appLevelOnlyHookData, appHookData: registry.appHookData, functionAppDirectory: appRoot });
    }

    const invoker = new Invoker(registry, log, config.functionTimeoutMs);
    let baseUrl = "";
    const summaries = () =>
      [...registry.functions.values()].map((fn) => summarize(fn, { baseUrl, routePrefix: config.routePrefix, env }));
    const handler = createRequestHandler({
      registry,
      invoker,
      routePrefix: config.routePrefix,
      env,
      log,
      now: () => new Date(),
      startedAt,
      hostVersion,
      baseUrl: () => baseUrl,
      summaries,
      track: (work) => {
        const tracked = work.finally(() => background.delete(tracked));
        background.add(tracked);
      },
    });
    server = http.createServer((req, res) => void handler(req, res));
    const listening = server;
    const bind = options.bind ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(options.port ?? config.localHttpPort ?? 7071, bind, () => {
        listening.off("error", reject);
        resolve();
      });
    });
    const port = (listening.address() as AddressInfo).port;
    const host = bind === "0.0.0.0" || bind === "::" ? "127.0.0.1" : bind.includes(":") ? `[${bind}]` : bind;
    baseUrl = `http://${host}:${port}`;

    const functions = summaries();
    log("info", [`Functions host listening on ${baseUrl}`, "Functions:", ...functions.map(describeFunction)].join("\n"));

    // After the ready line, so a runOnStartup timer's lines follow it as they do under func.
    const timerFunctions = [...registry.functions.values()].filter((fn) => isTimerTrigger(fn) && !isDisabled(fn, env));
    if (!options.disableTimers) {
      timers = startTimers(timerFunctions, {
        log,
        env,
        now: () => new Date(),
        invokeTimer: (fn, info) =>
          invoker.invoke({
            fn,
            ...timerInput({ functionName: fn.name, now: new Date(), ...info, isPastDue: false }),
            reason: `Timer fired at ${new Date().toISOString()}`,
          }),
      });
    }

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        timers?.stop();
        const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
        const force = setTimeout(() => listening.closeAllConnections(), closeGraceMs);
        force.unref();
        await closed;
        clearTimeout(force);
        await Promise.race([Promise.allSettled([...background]), delay(closeGraceMs)]);
        for (const hook of registry.hooks("appTerminate")) {
          await Promise.resolve(hook({ hookData: registry.appLevelOnlyHookData, appHookData: registry.appHookData })).catch(
            (error: unknown) => log("error", `appTerminate hook failed: ${String(error)}`),
          );
        }
        uninstall();
      })();
      return closing;
    };
    return { url: baseUrl, port, functions, close };
  } catch (error) {
    timers?.stop();
    server?.close();
    uninstall();
    throw error;
  }
};

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
