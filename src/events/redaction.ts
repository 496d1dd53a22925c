import { eventCatalog, isEventType } from "./catalog";
import { CloudEventEnvelope } from "./envelope";

/** What a sensitive value is replaced with. Says that something was there, never how long or what shape it had. */
export const REDACTED = "[redacted]";

const redactPath = (value: unknown, path: readonly string[]): unknown => {
  if (path.length === 0) return value === undefined ? undefined : REDACTED;
  const [head, ...rest] = path as [string, ...string[]];
  if (head === "[]") return Array.isArray(value) ? value.map((item) => redactPath(item, rest)) : value;
  if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, head)) {
    return value;
  }
  return { ...value, [head]: redactPath((value as Record<string, unknown>)[head], rest) };
};

/** `items[].card.number` → `["items", "[]", "card", "number"]`. */
const segmentsOf = (path: string): string[] => path.replace(/\[\]/g, ".[]").split(".").filter(Boolean);

/** `data` with every listed path replaced by {@link REDACTED}; the input is not modified. */
export const redactData = (data: unknown, sensitivePaths: readonly string[]): unknown =>
  sensitivePaths.reduce((current, path) => redactPath(current, segmentsOf(path)), data);

/**
 * The event as it may be stored, shown or logged outside its consumers: the catalog's sensitive fields redacted.
 * A type the catalog does not know has no declared sensitive fields, so its whole `data` is withheld rather than
 * guessed at. The envelope (ids, type, time, correlation, trace) is kept: it is what a person follows a flow by.
 */
export const redactEvent = <E extends CloudEventEnvelope>(event: E): E => {
  if (!isEventType(event.type)) return { ...event, data: REDACTED };
  const { sensitive } = eventCatalog[event.type];
  return sensitive.length === 0 ? event : { ...event, data: redactData(event.data, sensitive) };
};
