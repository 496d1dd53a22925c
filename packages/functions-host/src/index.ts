export { FunctionsHostError, type FunctionsHostErrorCode } from "./errors";
export { type FunctionSummary } from "./functionInfo";
export { type FunctionsHost, type FunctionsHostOptions, hostVersion, startFunctionsHost } from "./host";
export { type HostLog, type HostLogLevel, createConsoleLog, silentLog } from "./logger";
export { nextOccurrence, parseSchedule, type Schedule } from "./ncrontab";
export { compileRoute } from "./routes";

/** The host's command-line entry, for starting it as a child process (`node <functionsHostMain>`), as `func start` is. */
export const functionsHostMain: string = require.resolve("./main");
