import { z } from "zod";
import { ConfigError } from "../../platform/config";
import { FlowName, flowNames, flows } from "../../flows";

export interface JournalSettings {
  /** Seconds a journal entry (and a flow's summary, counted from its last event) is kept: Cosmos DB item `ttl`. */
  readonly entryTtlSeconds: number;
  readonly deadlinesInMs: Readonly<Record<FlowName, number>>;
  /** Local only: the Event Grid emulator's `GET /dead-letters`. Unset in Azure, where dead letters are blobs. */
  readonly deadLettersUrl: string | undefined;
  /** Containers whose `poison` partition the journal may read for a flow's view; empty in Azure (see README). */
  readonly poisonContainers: readonly string[];
}

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
  const poisonContainers = read(
    "JOURNAL_POISON_CONTAINERS",
    z.string().transform((s) => s.split(",").map((c) => c.trim()).filter(Boolean)),
    [] as string[],
  );
  return { entryTtlSeconds: ttlDays * DAY_IN_SECONDS, deadlinesInMs: deadlines, deadLettersUrl, poisonContainers };
};
