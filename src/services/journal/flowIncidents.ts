import type { Database } from "@azure/cosmos";
import { POISON_PARTITION, PoisonDocument } from "../../platform/reaction";

/** A delivery Event Grid gave up on, without the event's data. */
export interface DeadLetterView {
  readonly subscription: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly deadLetterReason: string;
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
  readonly lastDeliveryAttemptTime: string;
}

/** An event a reaction parked because it failed its schema, without the event's data. */
export interface PoisonView {
  readonly container: string;
  readonly reaction: string;
  readonly reason: string;
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  readonly parkedAt: string;
}

/** What the journal knows of a flow that bounds where its incidents can be. */
export interface FlowWindow {
  readonly correlationId: string;
  readonly startedAt: string;
  readonly lastEventAt: string;
  /** The event types the flow holds: the subscriptions they go to are where its dead letters can be. */
  readonly eventTypes: readonly string[];
}

/** `null` means "not known here" (not configured, or the source could not be read), never "none". */
export interface FlowIncidents {
  deadLettersOf(flow: FlowWindow): Promise<DeadLetterView[] | null>;
  poisonOf(correlationId: string): Promise<PoisonView[] | null>;
}

/** Where a flow's dead letters are read from: the local emulator's list, or Event Grid's blobs. */
export type DeadLetterReader = (flow: FlowWindow) => Promise<DeadLetterView[] | null>;

const text = (value: unknown): string => (typeof value === "string" ? value.slice(0, 500) : "");
const record = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {});

/** A dead letter (either source's shape: the event beside Event Grid's dead-letter properties) as a flow view shows it. */
export const deadLetterView = (d: Record<string, unknown>, subscription: string): DeadLetterView => ({
  subscription,
  eventId: text(record(d.event).id),
  eventType: text(record(d.event).type),
  deadLetterReason: text(d.deadLetterReason),
  deliveryAttempts: typeof d.deliveryAttempts === "number" ? d.deliveryAttempts : 0,
  lastDeliveryOutcome: text(d.lastDeliveryOutcome),
  lastDeliveryAttemptTime: text(d.lastDeliveryAttemptTime),
});

const DEAD_LETTER_READ_TIMEOUT_MS = 2_000;

/** Locally: the Event Grid emulator's `GET /dead-letters` (every dead letter it holds, filtered here). */
export const emulatorDeadLetters =
  (url: string, fetchImpl: typeof fetch = fetch): DeadLetterReader =>
  async ({ correlationId }) => {
    try {
      const response = await fetchImpl(url, { signal: AbortSignal.timeout(DEAD_LETTER_READ_TIMEOUT_MS) });
      if (!response.ok) return null;
      const body: unknown = await response.json();
      if (!Array.isArray(body)) return null;
      return body
        .map(record)
        .filter((d) => record(d.event).correlationid === correlationId)
        .map((d) => deadLetterView(d, text(d.subscription)));
    } catch {
      return null;
    }
  };

export const createFlowIncidents = (options: {
  readonly deadLetters: DeadLetterReader | undefined;
  readonly poisonContainers: readonly string[];
  readonly database: () => Database;
}): FlowIncidents => ({
  deadLettersOf: async (flow) => (options.deadLetters ? options.deadLetters(flow) : null),
  async poisonOf(correlationId) {
    if (options.poisonContainers.length === 0) return null;
    try {
      const perContainer = await Promise.all(
        options.poisonContainers.map(async (container) => {
          const { resources } = await options
            .database()
            .container(container)
            .items.query<PoisonDocument>(
              {
                query: "SELECT * FROM c WHERE c.pk = @pk AND c.kind = 'poison' AND c.event.correlationid = @correlationId",
                parameters: [
                  { name: "@pk", value: POISON_PARTITION },
                  { name: "@correlationId", value: correlationId },
                ],
              },
              { partitionKey: POISON_PARTITION },
            )
            .fetchAll();
          return resources.map((p) => ({
            container,
            reaction: text(p.reaction),
            reason: text(p.reason),
            eventId: text(record(p.event).id) || undefined,
            eventType: text(record(p.event).type) || undefined,
            parkedAt: text(p.parkedAt),
          }));
        }),
      );
      return perContainer.flat();
    } catch {
      return null;
    }
  },
});
