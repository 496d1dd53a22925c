import type { ContainerClient } from "@azure/storage-blob";
import type { CloudEventEnvelope } from "../../src/events/envelope";
import type { EventPublisher } from "../../src/platform/publisher";
import { DeadLetterItem, parseDeadLetterBlob } from "../../src/platform/deadLetterBlobs";
import { recheckEvent } from "./recheck";

export { parseDeadLetterBlob, type DeadLetterItem } from "../../src/platform/deadLetterBlobs";

/** Blobs already handled are moved under these prefixes; everything else in the container is a live dead letter. */
export const REPLAYED_PREFIX = "replayed/";
export const DISCARDED_PREFIX = "discarded/";

export interface DeadLetterFilter {
  /** Case-insensitive: Event Grid upper-cases the subscription in the blob path. */
  readonly subscription?: string;
  readonly reason?: string;
  /** Dead letters whose last delivery attempt is at or after this time. */
  readonly since?: Date;
}

export interface DeadLetterGroup {
  readonly subscription: string;
  readonly deadLetterReason: string;
  readonly count: number;
  readonly eventTypes: readonly string[];
}

/** An event attribute for a listing: as it is when a string, its JSON otherwise (a hostile event's `type` may be an object). */
const attributeLabel = (value: unknown): string => (typeof value === "string" ? value : (JSON.stringify(value) ?? "?"));

const matches = (item: DeadLetterItem, filter: DeadLetterFilter): boolean =>
  (!filter.subscription || item.subscription.toLowerCase() === filter.subscription.toLowerCase()) &&
  (!filter.reason || item.deadLetterReason.toLowerCase() === filter.reason.toLowerCase()) &&
  (!filter.since || Date.parse(item.lastDeliveryAttemptTime ?? item.publishTime ?? "") >= filter.since.getTime());

/** Live dead letters (not yet replayed or discarded) matching the filter, oldest blob first. */
export const listDeadLetters = async (container: ContainerClient, filter: DeadLetterFilter = {}): Promise<DeadLetterItem[]> => {
  const items: DeadLetterItem[] = [];
  const prefix = filter.subscription ? `${filter.subscription.toUpperCase()}/` : undefined;
  for await (const blob of container.listBlobsFlat(prefix ? { prefix } : {})) {
    if (blob.name.startsWith(REPLAYED_PREFIX) || blob.name.startsWith(DISCARDED_PREFIX) || !blob.name.endsWith(".json")) continue;
    const text = (await container.getBlobClient(blob.name).downloadToBuffer()).toString("utf8");
    items.push(...parseDeadLetterBlob(blob.name, text).filter((item) => matches(item, filter)));
  }
  return items.sort((a, b) => (a.lastDeliveryAttemptTime ?? "").localeCompare(b.lastDeliveryAttemptTime ?? ""));
};

export const groupDeadLetters = (items: readonly DeadLetterItem[]): DeadLetterGroup[] => {
  const groups = new Map<string, { subscription: string; deadLetterReason: string; count: number; eventTypes: Set<string> }>();
  for (const item of items) {
    const key = `${item.subscription}\u0000${item.deadLetterReason}`;
    const group = groups.get(key) ?? { subscription: item.subscription, deadLetterReason: item.deadLetterReason, count: 0, eventTypes: new Set<string>() };
    group.count += 1;
    group.eventTypes.add(attributeLabel(item.event.type));
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({ subscription: g.subscription, deadLetterReason: g.deadLetterReason, count: g.count, eventTypes: [...g.eventTypes].sort() }))
    .sort((a, b) => b.count - a.count || a.subscription.localeCompare(b.subscription));
};

/** Blobs replayed at once: enough to hide round trips, few enough not to flood a topic or the receiving apps. */
const REPLAY_CONCURRENCY = 8;

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops taking new items and is thrown. */
export const forEachBounded = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

export interface ReplayReport {
  /** Events published again (or that would be, with dryRun). */
  readonly replayed: readonly { blobName: string; eventId: string; type: string }[];
  /** Events the current schema refuses: reported, not sent; their blob stays where it is. */
  readonly invalid: readonly { blobName: string; eventId: string; reason: string }[];
  readonly blobsMoved: number;
}

/**
 * Re-publishes each matching dead letter to its topic as it was (id, correlationid, traceparent kept: consumers
 * dedupe on the id, so a replay is safe to repeat), then moves its blob under `replayed/`. A blob is moved only when
 * every event in it was published.
 */
export const replayDeadLetters = async (
  container: ContainerClient,
  publisher: EventPublisher,
  filter: DeadLetterFilter,
  options: { dryRun?: boolean; by: string; now: Date },
): Promise<ReplayReport> => {
  const items = await listDeadLetters(container, filter);
  const replayed: { blobName: string; eventId: string; type: string }[] = [];
  const invalid: { blobName: string; eventId: string; reason: string }[] = [];
  const byBlob = new Map<string, DeadLetterItem[]>();
  for (const item of items) byBlob.set(item.blobName, [...(byBlob.get(item.blobName) ?? []), item]);
  let blobsMoved = 0;
  const replayBlob = async ([blobName, blobItems]: [string, DeadLetterItem[]]): Promise<void> => {
    const valid: CloudEventEnvelope[] = [];
    for (const item of blobItems) {
      const checked = recheckEvent(item.event);
      if (checked.ok) valid.push(checked.event);
      else invalid.push({ blobName, eventId: attributeLabel(item.event.id), reason: checked.reason });
    }
    if (!options.dryRun && valid.length > 0) await publisher.publishEvents(valid);
    replayed.push(...valid.map((e) => ({ blobName, eventId: e.id, type: e.type })));
    if (!options.dryRun && valid.length === blobItems.length) {
      await moveBlob(container, blobName, REPLAYED_PREFIX, { replayedby: options.by, replayedat: options.now.toISOString() });
      blobsMoved += 1;
    }
  };
  await forEachBounded([...byBlob], REPLAY_CONCURRENCY, replayBlob);
  return { replayed, invalid, blobsMoved };
};

/** Moves each matching dead letter's blob under `discarded/`, recording who discarded it and why in its metadata. */
export const discardDeadLetters = async (
  container: ContainerClient,
  filter: DeadLetterFilter,
  options: { dryRun?: boolean; by: string; why: string; now: Date },
): Promise<{ discarded: readonly { blobName: string; eventId: string }[] }> => {
  const items = await listDeadLetters(container, filter);
  const blobs = [...new Set(items.map((i) => i.blobName))];
  if (!options.dryRun) {
    for (const blobName of blobs) {
      await moveBlob(container, blobName, DISCARDED_PREFIX, { discardedby: options.by, discardreason: options.why, discardedat: options.now.toISOString() });
    }
  }
  return { discarded: items.map((i) => ({ blobName: i.blobName, eventId: attributeLabel(i.event.id) })) };
};

/**
 * Copies through the client (a server-side copy would need a SAS or a second role locally and in Azure), then
 * deletes: a crash in between leaves the dead letter in both places, and a replay of it again is harmless.
 */
const moveBlob = async (container: ContainerClient, blobName: string, prefix: string, metadata: Record<string, string>): Promise<void> => {
  const source = container.getBlobClient(blobName);
  const body = await source.downloadToBuffer();
  // Blob metadata values must be ASCII header values.
  const safe = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, "?").slice(0, 1000)]));
  await container.getBlockBlobClient(`${prefix}${blobName}`).uploadData(body, {
    metadata: safe,
    blobHTTPHeaders: { blobContentType: "application/json" },
  });
  await source.delete();
};
