/** A CloudEvent as it arrived on the wire: the context attributes, `data`/`data_base64` and flat extension attributes. */
export type EmulatorCloudEvent = {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  [attribute: string]: unknown;
};

export interface EmulatorSubscription {
  name: string;
  topic: string;
  /** Undefined delivers every type; matched case-insensitively, like Event Grid. */
  includedEventTypes?: readonly string[];
  /** Full webhook URL, including `?functionName=` for the Functions host. */
  endpointUrl: string;
  /**
   * Above 1, deliveries are batches, as Event Grid's `maxEventsPerBatch`: a JSON array of up to this many events that
   * are waiting for this subscription when a delivery starts (it never waits to fill one), all succeeding or failing
   * together. Default 1: one object per request.
   */
  maxEventsPerBatch?: number;
  /** A batch's size cap in KB, as Event Grid's `preferredBatchSizeInKilobytes`; one event larger still goes alone. Default 64. */
  preferredBatchSizeInKilobytes?: number;
  /** This subscription's `retryPolicy.maxDeliveryAttempts`. Default: the emulator's `maxDeliveryAttempts`. */
  maxDeliveryAttempts?: number;
  /**
   * This subscription's `retryPolicy.eventTimeToLiveInMinutes`, in ms on the emulator's clock: taken as given, like the
   * emulator-wide `eventTimeToLiveInMs`, so scale it as the retries are (`scaledTimeToLiveInMs(minutes, retryScale)`),
   * or a local run gives up after a different number of attempts than Azure. Default: the emulator's time to live.
   */
  eventTimeToLiveInMs?: number;
  /**
   * Whether the subscription has a dead-letter destination. Without one, Event Grid drops an event whose retries ran
   * out (or that was undeliverable): the emulator logs it as DROPPED and keeps it nowhere. Default true, unlike Event
   * Grid (off unless configured): the emulator has always kept its dead letters.
   */
  deadLetter?: boolean;
}

export interface EmulatorTopic {
  name: string;
  key: string;
}

export interface EventGridEmulatorOptions {
  /** 0 picks a free port; read it back from `emulator.port`. */
  port: number;
  /** Defaults to 127.0.0.1. */
  bind?: string;
  topics: readonly EmulatorTopic[];
  /** A function is read at every publish, so subscriptions whose endpoints are known later still route. */
  subscriptions: readonly EmulatorSubscription[] | (() => readonly EmulatorSubscription[]);
  /** Delay before retry n is `retryScheduleInMs[n-1]`; the last entry repeats. Defaults to Event Grid's schedule × retryScale. */
  retryScheduleInMs?: readonly number[];
  /** Compresses Event Grid's time: 0.01 makes the first retry 100 ms and the default time to live 14.4 min. Default 1. */
  retryScale?: number;
  /** For a subscription that sets none (`EmulatorSubscription.maxDeliveryAttempts`). Default 30, as Event Grid. */
  maxDeliveryAttempts?: number;
  /**
   * For a subscription that sets none, taken as given. Default 24 h × retryScale, so a local run dead-letters after the
   * same number of attempts Azure would make.
   */
  eventTimeToLiveInMs?: number;
  /** Default 30 000, as Event Grid. */
  deliveryTimeoutInMs?: number;
  /** Deliveries in flight at once, across all subscriptions. Default 32. */
  maxConcurrentDeliveries?: number;
  /** Accept `Authorization: Bearer <anything>` in place of the key, standing in for Entra ID. Default false. */
  acceptBearerTokens?: boolean;
  /** When set, every dead letter is also written there as a JSON file. */
  deadLetterDir?: string;
  /**
   * When set, the emulator keeps its state in this folder (deliveryJournal.ts): every accepted delivery is on disk
   * before the publish is answered, and each retry's schedule and the dead letters are kept, so a restart on the same
   * folder (even after `kill -9`) resumes what was pending, as Event Grid retries for 24 h whatever happens to it.
   */
  stateDirectory?: string;
  /**
   * Accepts publishes but attempts no delivery until `resumeDeliveries()`: for a stack whose subscribers start after
   * the emulator (after a restart, the deliveries restored would otherwise fail and back off while they start).
   */
  startPaused?: boolean;
  /** When set, every dead letter is also handed to it (e.g. written to blob storage in Event Grid's layout). */
  deadLetterSink?: DeadLetterSink;
  /** Told of every delivery attempt once it ended, with the event it carried (the stack traces the hop with it). */
  onAttempt?: (record: DeliveryRecord, event: EmulatorCloudEvent) => void;
  /** Defaults to console.log. */
  log?: (line: string) => void;
}

/** How one delivery attempt ended, named as Event Grid's dead-letter blobs and metrics name them where they exist. */
export type DeliveryOutcome =
  | "Succeeded"
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "PayloadTooLarge"
  | "Busy"
  | "TimedOut"
  | "CannotConnect"
  | "Aborted"
  | "GenericError";

export type DeadLetterReason =
  | "MaxDeliveryAttemptsExceeded"
  | "TimeToLiveExceeded"
  | "UndeliverableDueToHttpBadRequest"
  | "UndeliverableDueToHttpPayloadTooLarge"
  | "UndeliverableDueToHttpUnauthorized"
  | "UndeliverableDueToHttpForbidden";

export interface DeadLetter {
  /** Position in `deadLetters()`, stable for the emulator's lifetime; used by `POST /dead-letters/{index}/redeliver`. */
  index: number;
  subscription: string;
  topic: string;
  event: EmulatorCloudEvent;
  deadLetterReason: DeadLetterReason;
  deliveryAttempts: number;
  lastDeliveryOutcome: DeliveryOutcome;
  lastHttpStatusCode?: number;
  lastErrorMessage?: string;
  /** ISO 8601. */
  publishTime: string;
  /** ISO 8601. */
  lastDeliveryAttemptTime: string;
  /** ISO 8601; set once the dead letter was queued again. */
  redeliveredAt?: string;
}

export interface DeliveryRecord {
  subscription: string;
  topic: string;
  eventId: string;
  eventType: string;
  /** 1-based. */
  attempt: number;
  outcome: DeliveryOutcome;
  httpStatusCode?: number;
  errorMessage?: string;
  /** ISO 8601, when the attempt started. */
  time: string;
  /** Of the whole request: a batch's events share it. */
  durationInMs: number;
  /** How many events the request carried, when it was a batch of more than one. */
  batchSize?: number;
}

export interface EventGridEmulator {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  /** What `EventGridPublisherClient` takes: `{url}/{topic}/api/events`. */
  topicEndpoint(topic: string): string;
  deadLetters(): DeadLetter[];
  /** The most recent attempts (up to 10 000), oldest first. */
  deliveries(): DeliveryRecord[];
  /**
   * Takes the topic's publish endpoint down for `forMs` (0 brings it back): publishes answer 503 ServiceUnavailable,
   * as a topic briefly unavailable in Azure does. Deliveries already accepted go on.
   */
  setPublishOutage(topic: string, forMs: number): { topic: string; endsAt: string };
  /** Starts delivering, when started with `startPaused`. */
  resumeDeliveries(): void;
  /** Resolves once nothing is in flight, queued or waiting for a retry; rejects after `timeoutInMs` (default 30 000). */
  idle(timeoutInMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Where the emulator puts a dead letter besides its own memory (the local stack writes blobs, as Event Grid does). */
export type DeadLetterSink = (deadLetter: DeadLetter) => Promise<void>;
