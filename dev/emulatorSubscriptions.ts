import { scaledTimeToLiveInMs, type EmulatorSubscription } from "@azure-choreography/eventgrid-emulator";
import type { ServiceName, SubscriptionBinding } from "../src/topology";

/** How the local stack compresses Event Grid's time, unless told otherwise: the first retry after 100 ms, not 10 s. */
export const LOCAL_RETRY_SCALE = 0.01;

export interface LocalDeliveryTime {
  /** What the stack gives the emulator: each subscription's time to live is scaled by it too. */
  readonly retryScale: number;
  /** Replaces every subscription's, for a test or a bench that wants a quick dead letter. */
  readonly maxDeliveryAttempts?: number;
}

/**
 * The manifest's subscriptions as the local Event Grid emulator takes them, the way infra/subscriptions.bicep deploys
 * them: to the function on the host of its service (none when that service is not hosted), with its event types, its
 * batch size (the Bicep's preferred size is the default 64 KB) and its delivery policy, the time to live scaled like
 * the retries so a local run gives up after the number of attempts Azure would make.
 */
export const emulatorSubscriptionsFor = (
  subscriptions: readonly SubscriptionBinding[],
  urlOf: (service: ServiceName) => string | undefined,
  time: LocalDeliveryTime,
): EmulatorSubscription[] =>
  subscriptions.flatMap((s) => {
    const url = urlOf(s.service);
    if (url === undefined) return [];
    return [{
      name: s.name,
      topic: s.shard,
      includedEventTypes: s.includedEventTypes,
      endpointUrl: `${url}/runtime/webhooks/EventGrid?functionName=${encodeURIComponent(s.functionName)}`,
      maxEventsPerBatch: s.maxEventsPerBatch,
      maxDeliveryAttempts: time.maxDeliveryAttempts ?? s.delivery.maxDeliveryAttempts,
      eventTimeToLiveInMs: scaledTimeToLiveInMs(s.delivery.eventTimeToLiveInMinutes, time.retryScale),
      deadLetter: s.delivery.deadLetter,
    }];
  });
