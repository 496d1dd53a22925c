import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ServiceName } from "../src/topology";

/**
 * Where a running `npm start` can be reached, written to `<data dir>/stack.json` while it runs, so the operator
 * tools (dead-letters, poison, demo) find it even with moved ports. Removed on a clean stop.
 */
export interface StackInfo {
  readonly functionsUrls: Readonly<Partial<Record<ServiceName, string>>>;
  readonly topicEndpoints: Readonly<Record<string, string>>;
  readonly topicKey: string;
  readonly cosmosEndpoint: string;
  readonly devUrl: string;
  readonly deadLetterConnectionString?: string;
}

export const STACK_INFO_FILE = "stack.json";

export const localDataDir = (appRoot: string, env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(appRoot, env.LOCAL_DATA_DIR ?? ".local-data");

export const writeStackInfo = (dataDir: string, info: StackInfo): void => {
  writeFileSync(path.join(dataDir, STACK_INFO_FILE), JSON.stringify(info, null, 2));
};

export const removeStackInfo = (dataDir: string): void => rmSync(path.join(dataDir, STACK_INFO_FILE), { force: true });

export const readStackInfo = (dataDir: string): StackInfo | undefined => {
  const file = path.join(dataDir, STACK_INFO_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StackInfo;
  } catch {
    return undefined;
  }
};

/**
 * The running local stack's settings as environment variables the tools read, under what the caller already set:
 * an explicit environment always wins.
 */
export const stackEnvironment = (info: StackInfo | undefined, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  if (!info) return env;
  const fromStack: Record<string, string> = {
    COSMOS__accountEndpoint: info.cosmosEndpoint,
    ...(info.deadLetterConnectionString ? { AZURE_STORAGE_CONNECTION_STRING: info.deadLetterConnectionString } : {}),
    ...Object.fromEntries(
      Object.entries(info.topicEndpoints).flatMap(([topic, endpoint]) => [
        [`EVENTGRID_${topic.toUpperCase()}__topicEndpointUri`, endpoint],
        [`EVENTGRID_${topic.toUpperCase()}__key`, info.topicKey],
      ]),
    ),
  };
  return { ...fromStack, ...env };
};
