import { EventType } from "../events/catalog";

/**
 * The shape of a manifest (the app's is src/topology.ts): which reaction of which service listens to which event
 * types, which HTTP routes and timers each service has. The platform takes a manifest as input and imports none.
 */
export interface ReactionSpec {
  /** `<verb><Thing>When<Event>`: the Function is registered as `<service>-<name>`. */
  readonly name: string;
  /** Event types this reaction receives; `"all"` subscribes to every event of every topic (the journal). */
  readonly on: readonly EventType[] | "all";
  /**
   * Events per Event Grid delivery (default 1, so a failing event is retried alone). Worth raising only for a reaction
   * whose every event succeeds or fails with the store, and that dedupes itself: the Functions extension invokes the
   * batch's events one by one, and a failure retries the whole batch.
   */
  readonly maxEventsPerBatch?: number;
  /**
   * Event types this reaction's decisions may publish (all owned by its service). The choreography lint builds the
   * reaction graph from it; a test checks it against the types the reaction's code builds.
   */
  readonly publishes: readonly EventType[];
  /** Why a cycle of reactions through this one ends. Without a reason here, a cycle fails the choreography lint. */
  readonly boundsCycle?: string;
  /** Its subscriptions' delivery, where it differs from `defaultDelivery`; the choreography lint checks the result. */
  readonly delivery?: Partial<DeliveryPolicy>;
}

/**
 * How Event Grid delivers to a subscription: retried on its schedule (10 s, 30 s, 1 m, 5 m … 12 h) until
 * `maxDeliveryAttempts` or `eventTimeToLiveInMinutes` runs out, then dead-lettered to blob storage when `deadLetter`.
 */
export interface DeliveryPolicy {
  readonly maxDeliveryAttempts: number;
  readonly eventTimeToLiveInMinutes: number;
  readonly deadLetter: boolean;
}

/** Event Grid's own defaults (30 attempts, 24 h), said explicitly, with dead-lettering on (Event Grid's default is off). */
export const defaultDelivery: DeliveryPolicy = { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440, deadLetter: true };

export interface HttpRouteSpec {
  readonly name: string;
  readonly methods: readonly ("GET" | "POST" | "PUT" | "DELETE" | "PATCH")[];
  /** Route under `/api`, Functions template syntax (`orders/{orderId}`). */
  readonly route: string;
}

export interface TimerSpec {
  readonly name: string;
  /** NCRONTAB, six fields (seconds first), as Azure Functions expects. */
  readonly schedule: string;
}

export interface ServiceSpec {
  readonly description: string;
  /** Its own Cosmos container; every document has a `pk` property (partition key path `/pk`). */
  readonly container: string;
  readonly reactions: readonly ReactionSpec[];
  readonly http: readonly HttpRouteSpec[];
  /** The service's own timers. The outbox relay is not listed: `timersOf` adds it to every service that publishes. */
  readonly timers?: readonly TimerSpec[];
}

/**
 * Every service that publishes re-publishes outbox documents that a crash left unsent (see publishing/outbox.ts).
 * Every 5 minutes: on Flex Consumption each run wakes an instance, and a redelivery of the cause republishes sooner.
 */
export const outboxRelay: TimerSpec = { name: "publishPendingOutbox", schedule: "0 */5 * * * *" };

/** What the platform needs of the app's manifest to register its functions. */
export interface Manifest {
  readonly services: Readonly<Record<string, ServiceSpec>>;
  /** The timers registered for a service: the outbox relay when it publishes, then its own. */
  timersOf(service: string): readonly TimerSpec[];
}

/** Function name as registered with the Functions host: `<service>-<name>`. */
export const functionNameOf = (service: string, name: string): string => `${service}-${name}`;
