import { FunctionsHostError } from "./errors";
import { startFunctionsHost } from "./host";
import { exitWithParent } from "@azure-choreography/server-kit";
import { createConsoleLog } from "./logger";

/**
 * `node packages/functions-host/dist/main.js` (or `functionsHostMain` from the package): a stand-in for `func start` for Node apps on the v4 programming model.
 * Env: FUNCTIONS_HOST_PORT (7071), FUNCTIONS_HOST_BIND (127.0.0.1), FUNCTIONS_APP_ROOT (cwd),
 * FUNCTIONS_HOST_DISABLE_TIMERS=1, FUNCTIONS_HOST_VERBOSE=1 (debug lines), FUNCTIONS_HOST_EXIT_WITH_PARENT=1.
 */
const main = async (): Promise<void> => {
  const env = process.env;
  const log = createConsoleLog({ verbose: env.FUNCTIONS_HOST_VERBOSE === "1" });
  const portText = env.FUNCTIONS_HOST_PORT;
  const port = portText === undefined || portText === "" ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    throw new FunctionsHostError("HOST.SETTINGS_INVALID", `FUNCTIONS_HOST_PORT must be a port number, got "${portText}"`);
  }
  const started = startFunctionsHost({
    appRoot: env.FUNCTIONS_APP_ROOT || process.cwd(),
    port,
    bind: env.FUNCTIONS_HOST_BIND || "127.0.0.1",
    disableTimers: env.FUNCTIONS_HOST_DISABLE_TIMERS === "1" || env.FUNCTIONS_HOST_DISABLE_TIMERS === "true",
    log,
  });
  // In the same tick as the start, so a supervisor that signals as soon as it sees the ready line is heard.
  const stop = (signal: string): void => {
    log("info", `${signal} received, stopping the host.`);
    started
      .then((host) => host.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log("error", `Error while stopping: ${String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  // Set by the local stack: a host must not outlive a stack that was killed outright.
  if (env.FUNCTIONS_HOST_EXIT_WITH_PARENT === "1") exitWithParent();
  await started;
};

main().catch((error: unknown) => {
  const code = error instanceof FunctionsHostError ? `${error.code}: ` : "";
  process.stderr.write(`[${new Date().toISOString()}] ${code}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
