import type { ContainerClient } from "@azure/storage-blob";
import { eventCatalog } from "../../events/catalog";
import { deadLetterBlobHour, deadLetterDayPrefix, parseDeadLetterBlob } from "../../platform/deadLetterBlobs";
import { listSubscriptions } from "../../topology";
import { DeadLetterReader, FlowWindow, deadLetterView } from "./flowIncidents";

const HOUR_MS = 3_600_000;
/**
 * Event Grid dead-letters an event at most its time to live after publishing it (infra/subscriptions.bicep
 * `eventTimeToLiveInMinutes`, 1,440), so a flow's dead letters are no later than its last event plus a day.
 */
export const DEAD_LETTER_HORIZON_MS = 24 * HOUR_MS;
/** Hosts' clocks and Event Grid's may disagree a little; a blob's hour is Event Grid's. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** A flow view reads at most this many blobs; with more in its window the answer is `null` (use `npm run dead-letters`). */
export const MAX_DEAD_LETTER_BLOBS_PER_FLOW = 100;
const DOWNLOAD_CONCURRENCY = 8;

/**
 * The Event Grid subscriptions a flow's events go to: those whose filter includes one of its event types, and the
 * journal's catch-all subscription on each of their topics.
 */
export const subscriptionsOfFlow = (eventTypes: readonly string[]): string[] => {
  const topics = new Set(eventTypes.flatMap((t) => (t in eventCatalog ? [eventCatalog[t as keyof typeof eventCatalog].topic] : [])));
  return listSubscriptions()
    .filter((s) => (s.includedEventTypes === undefined ? topics.has(s.topic) : s.includedEventTypes.some((t) => eventTypes.includes(t))))
    .map((s) => s.name);
};

/** The UTC days from `from` to `to`, each as its midnight. */
const daysBetween = (from: number, to: number): Date[] => {
  const days: Date[] = [];
  for (let day = Math.floor(from / (24 * HOUR_MS)) * 24 * HOUR_MS; day <= to; day += 24 * HOUR_MS) days.push(new Date(day));
  return days;
};

/**
 * In Azure (or against Azurite): the dead-letter blobs Event Grid wrote for this flow. A flow view must not list a
 * storage account, so the work is bounded by the blob layout (`<SUBSCRIPTION>/<YYYY>/<M>/<D>/<H>/…`): one listing per
 * (subscription the flow's events go to, UTC day from its start to its last event plus the dead-letter horizon), only
 * blobs whose hour falls in that window are read, and at most MAX_DEAD_LETTER_BLOBS_PER_FLOW of them. A blob does not
 * say its correlation id in its name, so each read blob is filtered by the events it holds.
 */
export const blobDeadLetters =
  (container: () => ContainerClient, clock: () => Date = () => new Date()): DeadLetterReader =>
  async (flow: FlowWindow) => {
    const from = Math.floor((Date.parse(flow.startedAt) - CLOCK_SKEW_MS) / HOUR_MS) * HOUR_MS;
    const to = Math.min(clock().getTime(), Date.parse(flow.lastEventAt) + DEAD_LETTER_HORIZON_MS + CLOCK_SKEW_MS);
    if (!Number.isFinite(from) || !Number.isFinite(to)) return null;
    try {
      const client = container();
      const subscriptions = subscriptionsOfFlow(flow.eventTypes);
      // The blob path upper-cases the subscription; the view names it as the manifest does.
      const byPathName = new Map(subscriptions.map((s) => [s.toUpperCase(), s]));
      const prefixes = subscriptions.flatMap((s) => daysBetween(from, to).map((day) => deadLetterDayPrefix(s, day)));
      const names: string[] = [];
      for (const prefix of prefixes) {
        for await (const blob of client.listBlobsFlat({ prefix })) {
          const hour = deadLetterBlobHour(blob.name)?.getTime();
          if (hour === undefined || hour < from || hour > to) continue;
          if (names.length === MAX_DEAD_LETTER_BLOBS_PER_FLOW) return null;
          names.push(blob.name);
        }
      }
      const found: ReturnType<typeof deadLetterView>[] = [];
      for (let i = 0; i < names.length; i += DOWNLOAD_CONCURRENCY) {
        const blobs = await Promise.all(
          names.slice(i, i + DOWNLOAD_CONCURRENCY).map(async (name) => parseDeadLetterBlob(name, (await client.getBlobClient(name).downloadToBuffer()).toString("utf8"))),
        );
        for (const item of blobs.flat()) {
          if (item.event.correlationid === flow.correlationId) found.push(deadLetterView({ ...item }, byPathName.get(item.subscription) ?? item.subscription));
        }
      }
      return found;
    } catch {
      return null;
    }
  };
