import { Cron } from "croner";
import { FunctionsHostError } from "./errors";

/**
 * NCRONTAB schedules as the Functions timer trigger reads them: `sec min hour day month day-of-week` (a 5-field
 * expression means second 0), or a TimeSpan `hh:mm:ss` interval. Croner does the calendar; this file only keeps it to
 * what NCrontab reads. Pure: the caller supplies "after".
 */
export type Schedule =
  | { readonly kind: "cron"; readonly expression: string }
  | { readonly kind: "interval"; readonly expression: string; readonly intervalMs: number };

/** Calendar arithmetic in local time (what `func start` uses) or UTC (what Azure uses by default). */
export type TimeZoneMode = "local" | "utc";

const invalid = (expression: string, why: string): FunctionsHostError =>
  new FunctionsHostError("HOST.INVALID_SCHEDULE", `Invalid schedule "${expression}": ${why}`);

// One item of a field as NCrontab reads it: `*` (or `?`), a number or a three-letter name, a range of them, each
// optionally with a step (`5/15` is "from 5, every 15"). Croner reads more (L, W, #, +, @daily, a year field, 7 for
// Sunday); a schedule using that would run here yet put the function in error on Azure, so it is refused first.
const ncrontabItem = /^(?:[*?]|(?:\d+|[a-z]{3})(?:-(?:\d+|[a-z]{3}))?)(?:\/\d+)?$/i;
const sunday7 = /(?:^|-)0*7(?:$|-|\/)/;

const cronOf = (expression: string, tz: TimeZoneMode): Cron =>
  new Cron(expression, {
    // NCrontab: day of month AND day of week must both match (croner's default is cron's OR).
    domAndDow: true,
    mode: "5-or-6-parts",
    // NCrontab's `5/15` (from 5, every 15) is what croner calls a sloppy range.
    sloppyRanges: true,
    paused: true,
    ...(tz === "utc" ? { timezone: "Etc/UTC" } : {}),
  });

export const parseSchedule = (expression: string): Schedule => {
  const trimmed = expression.trim();
  const span = /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(trimmed);
  if (span) {
    const [, h, m, s] = span;
    const intervalMs = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
    if (intervalMs <= 0) throw invalid(expression, "interval must be positive");
    return { kind: "interval", expression: trimmed, intervalMs };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) throw invalid(expression, `expected 6 fields (sec min hour day month day-of-week)`);
  for (const item of fields.flatMap((field) => field.split(","))) {
    if (!ncrontabItem.test(item)) throw invalid(expression, `"${item}" is not NCRONTAB`);
  }
  const dayOfWeek = fields[fields.length - 1] ?? "";
  if (dayOfWeek.split(",").some((item) => sunday7.test(item))) throw invalid(expression, "day of week 7 is outside 0-6");
  try {
    cronOf(trimmed, "utc");
  } catch (error) {
    throw invalid(expression, (error as Error).message.replace(/^CronPattern: /, ""));
  }
  return { kind: "cron", expression: trimmed };
};

/**
 * The first occurrence strictly after `after`, or undefined when there is none (e.g. `0 0 0 31 2 *`).
 * Day of month and day of week must both match, as in NCrontab.
 */
export const nextOccurrence = (schedule: Schedule, after: Date, tz: TimeZoneMode = "local"): Date | undefined => {
  if (schedule.kind === "interval") return new Date(after.getTime() + schedule.intervalMs);
  return cronOf(schedule.expression, tz).nextRun(after) ?? undefined;
};
