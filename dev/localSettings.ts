import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Settings the stack wires to the parts it started (Cosmos, Event Grid): a value for them in local.settings.json
 * would point a host at a port nothing listens on, so the stack's own wins, and start-up says so.
 */
export const isStackWiring = (name: string): boolean =>
  /^COSMOS__/.test(name) || /^EVENTGRID_[A-Z]+(_[0-9]+)?__(topicEndpointUri|key)$/.test(name) || name === "COSMOS_DATABASE_NAME" || name === "ALLOW_INSECURE_CONNECTIONS";

/** Keys a Functions host gets from the `func` tooling itself, not settings of this app. */
const HOST_KEYS = new Set(["FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage", "SERVICES"]);

export const readLocalSettingsValues = (file: string): Record<string, string> => {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${path.basename(file)} is not valid JSON: ${(error as Error).message}`);
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (values === undefined) return {};
  if (typeof values !== "object" || values === null || Array.isArray(values)) throw new Error(`${path.basename(file)}: "Values" must be an object`);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== "string") throw new Error(`${path.basename(file)}: Values.${key} must be a string, as app settings are`);
    result[key] = value;
  }
  return result;
};

export interface ResolvedSettings {
  /** What to hand the stack as `appSettings`: laid over its defaults. */
  readonly overrides: Record<string, string>;
  /** One line per decision worth telling a person at start-up. */
  readonly notes: string[];
}

/**
 * One precedence, in order of strength: the stack's defaults < local.settings.json `Values` < the environment of
 * `npm start`. The stack's wiring to its own parts is the exception (see isStackWiring).
 */
export const resolveAppSettings = (args: {
  stackDefaults: Readonly<Record<string, string>>;
  localValues: Readonly<Record<string, string>>;
  /**
   * local.settings.sample.json's Values: a value still equal to the sample's was not chosen by the person, it was
   * copied (and names the default ports), so it does not override the stack's, which follows moved ports.
   */
  sampleValues?: Readonly<Record<string, string>>;
  env: NodeJS.ProcessEnv;
}): ResolvedSettings => {
  const overrides: Record<string, string> = {};
  const notes: string[] = [];
  const names = new Set([...Object.keys(args.stackDefaults), ...Object.keys(args.localValues)]);
  for (const name of [...names].sort()) {
    if (HOST_KEYS.has(name)) continue;
    const fromEnv = args.env[name];
    const fileValue = args.localValues[name];
    const fromFile = fileValue !== undefined && fileValue === args.sampleValues?.[name] && args.stackDefaults[name] !== undefined ? undefined : fileValue;
    if (isStackWiring(name)) {
      if (fromFile !== undefined && fromFile !== args.stackDefaults[name] && args.stackDefaults[name] !== undefined) {
        notes.push(`local.settings.json ${name} is ignored: the stack points it at the part it started (${args.stackDefaults[name]})`);
      }
      continue;
    }
    if (fromEnv !== undefined) {
      overrides[name] = fromEnv;
      if (fromEnv !== (fromFile ?? args.stackDefaults[name])) notes.push(`${name} from the environment`);
    } else if (fromFile !== undefined) {
      overrides[name] = fromFile;
      if (args.stackDefaults[name] !== undefined && fromFile !== args.stackDefaults[name]) notes.push(`${name} from local.settings.json`);
    }
  }
  return { overrides, notes };
};
