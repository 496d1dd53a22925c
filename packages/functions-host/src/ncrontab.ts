import { FunctionsHostError } from "./errors";

/**
 * NCRONTAB schedules as the Functions timer trigger reads them: `sec min hour day month day-of-week` (a 5-field
 * expression means second 0), or a TimeSpan `hh:mm:ss` interval. Pure: the caller supplies "after".
 */
export type Schedule =
  | { readonly kind: "cron"; readonly expression: string; readonly fields: readonly ReadonlySet<number>[] }
  | { readonly kind: "interval"; readonly expression: string; readonly intervalMs: number };

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const specs: readonly FieldSpec[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: months },
  { name: "day of week", min: 0, max: 6, names: days },
];

const invalid = (expression: string, why: string): FunctionsHostError =>
  new FunctionsHostError("HOST.INVALID_SCHEDULE", `Invalid schedule "${expression}": ${why}`);

const parseValue = (text: string, spec: FieldSpec, expression: string): number => {
  const byName = spec.names?.findIndex((n) => n === text.toUpperCase().slice(0, 3) && text.length >= 3) ?? -1;
  if (byName >= 0) return byName + spec.min;
  if (!/^\d+$/.test(text)) throw invalid(expression, `"${text}" is not a valid ${spec.name}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw invalid(expression, `${spec.name} ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
};

const parseField = (text: string, spec: FieldSpec, expression: string): Set<number> => {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [rangeText = "", stepText, extra] = item.split("/");
    if (extra !== undefined || rangeText === "") throw invalid(expression, `"${item}" is not a valid ${spec.name}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw invalid(expression, `bad step in "${item}"`);
    let from: number;
    let to: number;
    if (rangeText === "*" || rangeText === "?") {
      from = spec.min;
      to = spec.max;
    } else if (rangeText.includes("-")) {
      const [a = "", b = ""] = rangeText.split("-");
      from = parseValue(a, spec, expression);
      to = parseValue(b, spec, expression);
      if (to < from) throw invalid(expression, `range "${rangeText}" runs backwards`);
    } else {
      from = parseValue(rangeText, spec, expression);
      // `5/15` means "from 5, every 15", as in NCrontab.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
};

export const parseSchedule = (expression: string): Schedule => {
  const trimmed = expression.trim();
  const span = /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(trimmed);
  if (span) {
    const [, h, m, s] = span;
    const intervalMs = ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
    if (intervalMs <= 0) throw invalid(expression, "interval must be positive");
    return { kind: "interval", expression: trimmed, intervalMs };
  }
  const parts = trimmed.split(/\s+/);
  const six = parts.length === 5 ? ["0", ...parts] : parts;
  if (six.length !== 6) throw invalid(expression, `expected 6 fields (sec min hour day month day-of-week)`);
  const fields = six.map((text, i) => parseField(text, specs[i] as FieldSpec, expression));
  return { kind: "cron", expression: trimmed, fields };
};

/** Calendar arithmetic in local time (what `func start` uses) or UTC (what Azure uses by default). */
export type TimeZoneMode = "local" | "utc";

const parts = (d: Date, tz: TimeZoneMode) =>
  tz === "utc"
    ? [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCDay()]
    : [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getDay()];

const make = (tz: TimeZoneMode, y: number, mo: number, d: number, h: number, mi: number, s: number): Date =>
  tz === "utc" ? new Date(Date.UTC(y, mo, d, h, mi, s)) : new Date(y, mo, d, h, mi, s);

/**
 * The first occurrence strictly after `after`, or undefined when none falls within five years (e.g. `0 0 0 31 2 *`).
 * Day of month and day of week must both match, as in NCrontab.
 */
export const nextOccurrence = (schedule: Schedule, after: Date, tz: TimeZoneMode = "local"): Date | undefined => {
  if (schedule.kind === "interval") return new Date(after.getTime() + schedule.intervalMs);
  const [sec, min, hour, dom, month, dow] = schedule.fields as [
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
    ReadonlySet<number>,
  ];
  let t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const lastYear = (parts(t, tz)[0] ?? 0) + 5;
  for (let i = 0; i < 200_000; i++) {
    const [y, mo, d, h, mi, s, wd] = parts(t, tz) as [number, number, number, number, number, number, number];
    if (y > lastYear) return undefined;
    if (!month.has(mo + 1)) t = make(tz, y, mo + 1, 1, 0, 0, 0);
    else if (!dom.has(d) || !dow.has(wd)) t = make(tz, y, mo, d + 1, 0, 0, 0);
    else if (!hour.has(h)) t = make(tz, y, mo, d, h + 1, 0, 0);
    else if (!min.has(mi)) t = make(tz, y, mo, d, h, mi + 1, 0);
    else if (!sec.has(s)) t = new Date(t.getTime() + 1000);
    else return t;
  }
  return undefined;
};
