import { eventCatalog, isEventType } from "../events/catalog";
import { REDACTED, redactData } from "../events/redaction";

/** CloudEvents context attributes, ours included: what a person follows a flow by. Any other top-level value is withheld. */
const ENVELOPE = new Set(["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "correlationid", "causationid", "traceparent"]);
const MAX_ATTRIBUTE_LENGTH = 1_000;

/** The last segment of every sensitive path of the catalog (`email`, `name`). */
const sensitiveNames = new Set(Object.values(eventCatalog).flatMap((entry) => entry.sensitive.map((path) => path.split(".").pop() ?? path)));

/** Redacts any key named like a sensitive field, at any depth: a malformed event may carry one where its schema does not. */
const redactSensitiveNames = (value: unknown, depth = 0): unknown => {
  if (typeof value !== "object" || value === null) return value;
  // Poison events are cut to a shallow envelope before they get here when too deep; this bound is a second guard.
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSensitiveNames(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, sensitiveNames.has(key) ? REDACTED : redactSensitiveNames(inner, depth + 1)]),
  );
};

/**
 * What a poison record may keep of an event that failed its schema: the envelope attributes (strings of bounded
 * length), and `data` with the catalog's sensitive fields of its type and any field named like one redacted; of a type
 * the catalog does not know, or of something that is not an event object at all, nothing but that it was withheld.
 * Poison records sit in every service's container and the journal reads them all, so they must not hold personal data.
 */
export const redactPoisonEvent = (raw: unknown): unknown => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw === undefined || raw === null ? null : REDACTED;
  const record = raw as Record<string, unknown>;
  const type = typeof record.type === "string" && isEventType(record.type) ? record.type : undefined;
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => {
      if (key === "data") return [key, type ? redactSensitiveNames(redactData(value, eventCatalog[type].sensitive)) : REDACTED];
      if (ENVELOPE.has(key) && (typeof value !== "string" || value.length <= MAX_ATTRIBUTE_LENGTH)) return [key, value];
      return [key, REDACTED];
    }),
  );
};
