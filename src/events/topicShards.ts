import { TopicName, topicNames, topicShardCounts } from "./catalog";

/**
 * How many Event Grid topics (shards) each topic is spread over. Every shard carries every event type of its topic and
 * has every subscription of it, so which shard an event goes to changes where it waits, never who receives it.
 */
export type TopicLayout = Readonly<Record<TopicName, number>>;

/** What Azure deploys (infra/generated/topology.json): the catalog's counts. */
export const deployedTopicLayout: TopicLayout = topicShardCounts;

/** What the local stack runs by default: one shard per topic, the same code path with one choice. */
export const singleShardLayout: TopicLayout = Object.fromEntries(topicNames.map((t) => [t, 1])) as Record<TopicName, number>;

/**
 * The Event Grid topic of shard `shard` of `topic`. Shard 0 keeps the topic's own name, so a one-shard layout is the
 * unsharded one: the local stack, and an existing deployment whose `orders` topic still holds events in retry.
 */
export const shardNameOf = (topic: TopicName, shard: number): string => (shard === 0 ? topic : `${topic}-${shard}`);

/** The shards of `topic` in `layout`, shard 0 first. */
export const shardsOf = (topic: TopicName, layout: TopicLayout): string[] =>
  Array.from({ length: layout[topic] }, (_, shard) => shardNameOf(topic, shard));

/** The topic a shard belongs to (`orders-3` → `orders`); undefined for a name no layout produces. */
export const topicOfShard = (shardName: string): TopicName | undefined => {
  const match = /^([a-z]+)(?:-([1-9][0-9]*))?$/.exec(shardName);
  return topicNames.find((t) => t === match?.[1]);
};

/** App setting prefix of a shard's endpoint: `EVENTGRID_ORDERS` for shard 0, `EVENTGRID_ORDERS_3` for shard 3. */
export const settingPrefixOf = (shardName: string): string => `EVENTGRID_${shardName.toUpperCase().replace(/-/g, "_")}`;

/**
 * The shard of a flow: FNV-1a of its correlation id, modulo the shard count. Stable across processes and apps, so
 * every event of one flow goes to one shard (a shard's outage stalls some flows whole rather than a step of every
 * flow, and a flow's dead letters sit under one topic). Event Grid does not order deliveries, so this buys no order.
 */
export const shardIndexFor = (correlationId: string, shardCount: number): number => {
  if (shardCount <= 1) return 0;
  let h = 2166136261;
  for (let i = 0; i < correlationId.length; i++) h = Math.imul(h ^ correlationId.charCodeAt(i), 16777619) >>> 0;
  return h % shardCount;
};
