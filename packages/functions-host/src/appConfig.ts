import * as fs from "node:fs";
import * as path from "node:path";
import { FunctionsHostError } from "./errors";

export interface AppConfig {
  readonly appRoot: string;
  /** The package.json `main` field; undefined means the app registers nothing. */
  readonly main: string | undefined;
  readonly isEsm: boolean;
  /** host.json `extensions.http.routePrefix`, default `api`; empty string means routes at the root. */
  readonly routePrefix: string;
  /** host.json `functionTimeout`; undefined when unbounded (-1). */
  readonly functionTimeoutMs: number | undefined;
  /** host.json `functions`: when present, only these functions are loaded. */
  readonly functionsAllowList: readonly string[] | undefined;
  /** local.settings.json `Host.LocalHttpPort`. */
  readonly localHttpPort: number | undefined;
}

const readJson = (file: string): unknown => {
  try {
    // func tolerates a BOM in these files; JSON.parse does not.
    return JSON.parse(fs.readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new FunctionsHostError("HOST.SETTINGS_INVALID", `Cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
};

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** host.json durations are TimeSpans: `hh:mm:ss` or `d.hh:mm:ss`; `-1` means no limit. */
export const parseTimeSpanMs = (value: unknown): number | undefined => {
  if (typeof value !== "string") return undefined;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value.trim());
  if (!match) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return Math.round(
    ((Number(days ?? 0) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000,
  );
};

export const readAppConfig = (appRoot: string): AppConfig => {
  const packageFile = path.join(appRoot, "package.json");
  if (!fs.existsSync(packageFile)) {
    throw new FunctionsHostError("HOST.APP_NOT_FOUND", `No package.json in app root ${appRoot}`);
  }
  const pkg = asRecord(readJson(packageFile));
  const hostFile = path.join(appRoot, "host.json");
  const hostJson = fs.existsSync(hostFile) ? asRecord(readJson(hostFile)) : {};
  const http = asRecord(asRecord(hostJson.extensions).http);
  const routePrefix = typeof http.routePrefix === "string" ? http.routePrefix.replace(/^\/+|\/+$/g, "") : "api";
  const allow = Array.isArray(hostJson.functions) ? hostJson.functions.map(String) : undefined;
  const settingsFile = path.join(appRoot, "local.settings.json");
  const settingsHost = fs.existsSync(settingsFile) ? asRecord(asRecord(readJson(settingsFile)).Host) : {};
  const localPort = Number(settingsHost.LocalHttpPort);
  return {
    appRoot,
    main: typeof pkg.main === "string" && pkg.main.length > 0 ? pkg.main : undefined,
    isEsm: pkg.type === "module",
    routePrefix,
    functionTimeoutMs: parseTimeSpanMs(hostJson.functionTimeout),
    functionsAllowList: allow,
    localHttpPort: Number.isInteger(localPort) && localPort > 0 ? localPort : undefined,
  };
};

/**
 * Copies local.settings.json `Values` into `env` where `env` lacks them, as `func start` does (the process
 * environment wins). Returns the names it set.
 */
export const mergeLocalSettings = (appRoot: string, env: NodeJS.ProcessEnv): string[] => {
  const settingsFile = path.join(appRoot, "local.settings.json");
  if (!fs.existsSync(settingsFile)) return [];
  const settings = asRecord(readJson(settingsFile));
  if (settings.IsEncrypted === true) {
    throw new FunctionsHostError(
      "HOST.SETTINGS_INVALID",
      "local.settings.json is encrypted; decrypt it (func settings decrypt) to run locally.",
    );
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(asRecord(settings.Values))) {
    if (env[name] !== undefined) continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      env[name] = String(value);
      set.push(name);
    }
  }
  return set;
};
