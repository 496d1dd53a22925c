export { FunctionsHostError, type FunctionsHostErrorCode } from "./errors";
export { type FunctionSummary } from "./functionInfo";
export { type FunctionsHost, type FunctionsHostOptions, hostVersion, startFunctionsHost } from "./host";
export { type HostLog, type HostLogLevel, createConsoleLog, silentLog } from "./logger";
export { nextOccurrence, parseSchedule, type Schedule } from "./ncrontab";
export { compileRoute } from "./routes";
