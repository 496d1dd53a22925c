import { randomUUID } from "node:crypto";

/** The container infra/naming.bicep gives Event Grid to dead-letter into; the same name locally. */
export const DEAD_LETTER_CONTAINER = "dead-letters";

/** `<SUBSCRIPTION IN UPPER CASE>/<YYYY>/<M>/<D>/`: one UTC day of one subscription's dead letters. */
export const deadLetterDayPrefix = (subscription: string, day: Date): string =>
  `${subscription.toUpperCase()}/${day.getUTCFullYear()}/${day.getUTCMonth() + 1}/${day.getUTCDate()}/`;

/**
 * `<SUBSCRIPTION NAME IN UPPER CASE>/<YYYY>/<M>/<D>/<H>/<guid>.json`, the date and hour in UTC and not zero-padded
 * (learn.microsoft.com/azure/event-grid/manage-event-delivery, "Set dead-letter location").
 */
export const deadLetterBlobName = (subscription: string, at: Date, id: string = randomUUID()): string =>
  `${deadLetterDayPrefix(subscription, at)}${at.getUTCHours()}/${id}.json`;

/** The hour a dead-letter blob's name places it in (UTC), or undefined for a name not in Event Grid's layout. */
export const deadLetterBlobHour = (blobName: string): Date | undefined => {
  const match = /^[^/]+\/(\d{4})\/(\d{1,2})\/(\d{1,2})\/(\d{1,2})\/[^/]+$/.exec(blobName);
  if (!match) return undefined;
  const [, year, month, day, hour] = match.map(Number) as [number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour));
};

/** One dead-lettered event, read from either blob shape Event Grid writes (CloudEvents: nested `event`; its own schema: flat). */
export interface DeadLetterItem {
  readonly blobName: string;
  readonly subscription: string;
  readonly event: Record<string, unknown>;
  readonly deadLetterReason: string;
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
  readonly lastHttpStatusCode?: number;
  readonly publishTime?: string;
  readonly lastDeliveryAttemptTime?: string;
}

const DEAD_LETTER_FIELDS = ["deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome", "lastHttpStatusCode", "publishTime", "lastDeliveryAttemptTime"];

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** Parses one blob's text; throws naming the blob when it is not a dead-letter blob. */
export const parseDeadLetterBlob = (blobName: string, text: string): DeadLetterItem[] => {
  const subscription = blobName.split("/")[0] ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${blobName} is not JSON: ${(error as Error).message}`);
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  return entries.map((raw, index) => {
    const entry = asRecord(raw);
    if (!entry) throw new Error(`${blobName}[${index}] is not an object`);
    const nested = asRecord(entry.event);
    const event = nested ?? Object.fromEntries(Object.entries(entry).filter(([k]) => !DEAD_LETTER_FIELDS.includes(k)));
    const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
    return {
      blobName,
      subscription,
      event,
      deadLetterReason: text(entry.deadLetterReason) ?? "Unknown",
      deliveryAttempts: typeof entry.deliveryAttempts === "number" ? entry.deliveryAttempts : 0,
      lastDeliveryOutcome: text(entry.lastDeliveryOutcome) ?? "Unknown",
      ...(typeof entry.lastHttpStatusCode === "number" ? { lastHttpStatusCode: entry.lastHttpStatusCode } : {}),
      ...(text(entry.publishTime) ? { publishTime: text(entry.publishTime) } : {}),
      ...(text(entry.lastDeliveryAttemptTime) ? { lastDeliveryAttemptTime: text(entry.lastDeliveryAttemptTime) } : {}),
    };
  });
};
