import { z } from "zod";
import { TopicName, topicNames } from "../events/catalog";
import { settingPrefixOf, shardNameOf } from "../events/topicShards";

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === "" ? undefined : s.trim()));

const settingsSchema = z.object({
  SERVICES: optionalString,
  "COSMOS__accountEndpoint": z.url({ message: "COSMOS__accountEndpoint must be the Cosmos DB account URL" }),
  /** Local emulators only. In Azure the key is never set and DefaultAzureCredential is used. */
  "COSMOS__key": optionalString,
  COSMOS_DATABASE_NAME: optionalString.transform((s) => s ?? "choreography"),
  /** Local emulators only: plain http endpoints are accepted when this is "true". */
  ALLOW_INSECURE_CONNECTIONS: optionalString.transform((s) => s === "true"),
});

export interface TopicConfig {
  readonly endpoint: string;
  readonly key: string | undefined;
}

export type AppConfig = z.infer<typeof settingsSchema> & {
  /** By topic, its shards' endpoints in shard order (src/events/topicShards.ts); absent when the app publishes none. */
  readonly topics: Readonly<Partial<Record<TopicName, readonly TopicConfig[]>>>;
};

export class ConfigError extends Error {
  readonly code = "CONFIG.INVALID";
}

/**
 * Parses app settings once. Topic settings follow the identity-based connection convention, one per shard:
 * `EVENTGRID_ORDERS__topicEndpointUri` (shard 0), `EVENTGRID_ORDERS_1__topicEndpointUri`, … (+ `…__key` for the
 * local emulator only). A gap in the shard numbers is a startup error: the flows would hash over the wrong count.
 */
export const parseConfig = (env: NodeJS.ProcessEnv): AppConfig => {
  const unresolved = unresolvedKeyVaultReferences(env);
  if (unresolved.length > 0) {
    throw new ConfigError(
      `Key Vault reference not resolved for ${unresolved.join(", ")}: the app's identity (keyVaultReferenceIdentity) ` +
        "cannot read the secret yet; restart the app once its Key Vault Secrets User role exists",
    );
  }
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid app settings: ${describeIssues(parsed.error)}`,
    );
  }
  const topics: Partial<Record<TopicName, TopicConfig[]>> = {};
  for (const topic of topicNames) {
    const shards = topicShardSettings(env, topic);
    if (shards.length > 0) topics[topic] = shards;
  }
  return { ...parsed.data, topics };
};

const topicShardSettings = (env: NodeJS.ProcessEnv, topic: TopicName): TopicConfig[] => {
  const setting = (shard: number, name: "topicEndpointUri" | "key") => env[`${settingPrefixOf(shardNameOf(topic, shard))}__${name}`]?.trim() || undefined;
  const endpointSetting = new RegExp(`^${settingPrefixOf(topic)}(_[0-9]+)?__topicEndpointUri$`);
  const configured = Object.keys(env).filter((name) => endpointSetting.test(name) && env[name]?.trim());
  const shards: TopicConfig[] = [];
  for (let shard = 0; ; shard++) {
    const endpoint = setting(shard, "topicEndpointUri");
    if (!endpoint) break;
    shards.push({ endpoint, key: setting(shard, "key") });
  }
  if (configured.length !== shards.length) {
    throw new ConfigError(`Topic ${topic} has ${configured.length} shard endpoint setting(s) but not shards 0…${configured.length - 1} (${configured.sort().join(", ")})`);
  }
  return shards;
};

/**
 * App Service hands an app a Key Vault reference it could not resolve as its literal text, and retries only about
 * once a day; a host that started with it would send `@Microsoft.KeyVault(...)` as an API key. Names the settings.
 */
export const unresolvedKeyVaultReferences = (env: NodeJS.ProcessEnv): string[] =>
  Object.entries(env)
    .filter(([, value]) => value?.trimStart().startsWith("@Microsoft.KeyVault(") === true)
    .map(([name]) => name)
    .sort();

/** Reads a service-specific setting, failing fast with the setting's name when it is missing. */
export const requireSetting = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`App setting ${name} is required`);
  return value;
};

const describeIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`).join("; ");

/** Parses a service's own settings with its schema; a bad one fails with one line naming each bad setting. */
export const parseSettings = <S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, label: string): z.infer<S> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid ${label} settings: ${describeIssues(parsed.error)}`);
  return parsed.data;
};
