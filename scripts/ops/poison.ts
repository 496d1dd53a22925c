import type { Container } from "@azure/cosmos";
import type { CloudEventEnvelope } from "../../src/events/envelope";
import type { EventPublisher } from "../../src/platform/publisher";
import { POISON_PARTITION, type PoisonDocument } from "../../src/platform/reactions/poison";
import type { ServiceName } from "../../src/topology";
import { recheckEvent } from "./recheck";

/** Handled poison records move to these partitions of the same container, so they stay findable but leave the queue. */
export const POISON_REPLAYED_PARTITION = "poison-replayed";
export const POISON_DISCARDED_PARTITION = "poison-discarded";

export interface PoisonFilter {
  readonly service?: string;
  /** Substring of the parking reason, case-insensitive (reasons name the failing field, so they vary per event). */
  readonly reason?: string;
  readonly since?: Date;
}

export interface PoisonItem {
  readonly service: ServiceName;
  readonly id: string;
  readonly reaction: string;
  readonly reason: string;
  readonly parkedAt: string;
  readonly event: unknown;
}

export interface PoisonGroup {
  readonly service: ServiceName;
  readonly reaction: string;
  readonly reason: string;
  readonly count: number;
}

export type ServiceContainers = Readonly<Partial<Record<ServiceName, Container>>>;

export const listPoison = async (containers: ServiceContainers, filter: PoisonFilter = {}): Promise<PoisonItem[]> => {
  const items: PoisonItem[] = [];
  for (const [service, container] of Object.entries(containers) as [ServiceName, Container][]) {
    if (filter.service && filter.service !== service) continue;
    // The partition key in the WHERE clause: the local server ignores the query's partition-key option.
    const { resources } = await container.items
      .query<PoisonDocument>({ query: "SELECT * FROM c WHERE c.pk = @pk", parameters: [{ name: "@pk", value: POISON_PARTITION }] }, { partitionKey: POISON_PARTITION })
      .fetchAll();
    for (const doc of resources) {
      const item: PoisonItem = { service, id: doc.id, reaction: doc.reaction, reason: doc.reason, parkedAt: doc.parkedAt, event: doc.event };
      if (filter.reason && !item.reason.toLowerCase().includes(filter.reason.toLowerCase())) continue;
      if (filter.since && Date.parse(item.parkedAt) < filter.since.getTime()) continue;
      items.push(item);
    }
  }
  return items.sort((a, b) => a.parkedAt.localeCompare(b.parkedAt));
};

/** Groups by service, reaction and the reason's first clause (the part before the first field-level detail). */
export const groupPoison = (items: readonly PoisonItem[]): PoisonGroup[] => {
  const groups = new Map<string, PoisonGroup>();
  for (const item of items) {
    const reason = item.reason.split(":")[0]!.slice(0, 120);
    const key = `${item.service}\u0000${item.reaction}\u0000${reason}`;
    const existing = groups.get(key);
    groups.set(key, { service: item.service, reaction: item.reaction, reason, count: (existing?.count ?? 0) + 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
};

/**
 * Re-checks each parked event against today's schema; a valid one is published again to its topic (same id, so the
 * reactions that handled it already skip it) and its record moves to `poison-replayed`. An invalid one is reported
 * and stays parked.
 */
export const replayPoison = async (
  containers: ServiceContainers,
  publisher: EventPublisher,
  filter: PoisonFilter,
  options: { dryRun?: boolean; by: string; now: Date },
): Promise<{ replayed: readonly { service: ServiceName; id: string }[]; invalid: readonly { service: ServiceName; id: string; reason: string }[] }> => {
  const replayed: { service: ServiceName; id: string }[] = [];
  const invalid: { service: ServiceName; id: string; reason: string }[] = [];
  for (const item of await listPoison(containers, filter)) {
    const checked = recheckEvent(item.event);
    if (!checked.ok) {
      invalid.push({ service: item.service, id: item.id, reason: checked.reason });
      continue;
    }
    if (!options.dryRun) {
      await publisher.publishEvents([checked.event satisfies CloudEventEnvelope]);
      await move(containers[item.service]!, item, POISON_REPLAYED_PARTITION, { replayedBy: options.by, replayedAt: options.now.toISOString() });
    }
    replayed.push({ service: item.service, id: item.id });
  }
  return { replayed, invalid };
};

export const discardPoison = async (
  containers: ServiceContainers,
  filter: PoisonFilter,
  options: { dryRun?: boolean; by: string; why: string; now: Date },
): Promise<{ discarded: readonly { service: ServiceName; id: string }[] }> => {
  const items = await listPoison(containers, filter);
  if (!options.dryRun) {
    for (const item of items) {
      await move(containers[item.service]!, item, POISON_DISCARDED_PARTITION, { discardedBy: options.by, discardReason: options.why, discardedAt: options.now.toISOString() });
    }
  }
  return { discarded: items.map((i) => ({ service: i.service, id: i.id })) };
};

/** Write the copy first: a crash between the two leaves a record in both places, never in neither. */
const move = async (container: Container, item: PoisonItem, partition: string, extra: Record<string, string>): Promise<void> => {
  await container.items.upsert({
    id: item.id,
    pk: partition,
    kind: partition,
    reaction: item.reaction,
    reason: item.reason,
    event: item.event,
    parkedAt: item.parkedAt,
    ...extra,
  });
  await container.item(item.id, POISON_PARTITION).delete();
};
