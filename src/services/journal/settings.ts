import { z } from "zod";
import { ConfigError } from "../../platform/config";
import { FlowName, flowNames, flows } from "../../flows";
import { DEAD_LETTER_CONTAINER } from "../../platform/deadLetterBlobs";

export interface JournalSettings {
  /** Seconds a journal entry (and a flow's summary, counted from its start or last outcome) is kept: Cosmos DB item `ttl`. */
  readonly entryTtlSeconds: number;
  readonly deadlinesInMs: Readonly<Record<FlowName, number>>;
  /** Where a flow view reads dead letters from; undefined: it does not (the view says `deadLetters: null`). */
  readonly deadLetters: DeadLetterSource | undefined;
  /** Containers whose `poison` partition the journal may read for a flow's view (it needs a data role on each). */
  readonly poisonContainers: readonly string[];
}

/**
 * Event Grid's dead-letter blobs: in Azure by the journal's identity (`JOURNAL_DEAD_LETTERS__blobServiceUri`, with
 * Storage Blob Data Reader on the container), against Azurite by connection string; locally without Azurite, the
 * emulator's `GET /dead-letters` (`JOURNAL_DEAD_LETTERS_URL`).
 */
export type DeadLetterSource =
  | { readonly kind: "blobs"; readonly blobServiceUri: string; readonly container: string }
  | { readonly kind: "blobsByConnectionString"; readonly connectionString: string; readonly container: string }
  | { readonly kind: "emulator"; readonly url: string };

const DAY_IN_SECONDS = 24 * 3600;

const positiveInt = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `${name} must be between 1 and ${max}`);

/** Parses the journal's own settings once, naming the setting that is wrong. */
export const parseJournalSettings = (env: NodeJS.ProcessEnv): JournalSettings => {
  const read = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(`Invalid app setting ${name}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    return parsed.data;
  };
  const ttlDays = read("JOURNAL_TTL_DAYS", positiveInt("JOURNAL_TTL_DAYS", 3650), 30);
  const deadlines = Object.fromEntries(
    flowNames.map((f) => [f, read(flows[f].deadlineSetting, positiveInt(flows[f].deadlineSetting, 30 * DAY_IN_SECONDS * 1000), flows[f].defaultDeadlineInMs)]),
  ) as Record<FlowName, number>;
  const deadLettersUrl = read("JOURNAL_DEAD_LETTERS_URL", z.url(), undefined as string | undefined);
  const blobServiceUri = read("JOURNAL_DEAD_LETTERS__blobServiceUri", z.url(), undefined as string | undefined);
  const connectionString = read("JOURNAL_DEAD_LETTERS_CONNECTION_STRING", z.string(), undefined as string | undefined);
  const container = read("JOURNAL_DEAD_LETTERS_CONTAINER", z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/, "must be a blob container name"), DEAD_LETTER_CONTAINER);
  const deadLetters: DeadLetterSource | undefined = blobServiceUri
    ? { kind: "blobs", blobServiceUri, container }
    : connectionString
      ? { kind: "blobsByConnectionString", connectionString, container }
      : deadLettersUrl
        ? { kind: "emulator", url: deadLettersUrl }
        : undefined;
  const poisonContainers = read(
    "JOURNAL_POISON_CONTAINERS",
    z.string().transform((s) => s.split(",").map((c) => c.trim()).filter(Boolean)),
    [] as string[],
  );
  return { entryTtlSeconds: ttlDays * DAY_IN_SECONDS, deadlinesInMs: deadlines, deadLetters, poisonContainers };
};
