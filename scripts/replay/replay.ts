import { CloudEventEnvelope } from "../../src/events/envelope";
import { eventCatalog, isEventType } from "../../src/events/catalog";
import { ReplayCheckpoint } from "./checkpoint";
import { DeliverToFunction } from "./deliver";

export interface ReplaySummary {
  /** Archived events of the window that the function's subscription receives. */
  readonly found: number;
  readonly delivered: number;
  /** Delivered by an earlier replay (the checkpoint): not sent again. */
  readonly alreadySeen: number;
  /** Carries a field the catalog marks sensitive, which the archive holds redacted only: not backfilled by default. */
  readonly withheld: number;
  readonly failed: number;
  readonly failures: readonly string[];
}

export interface ReplayOptions {
  readonly events: AsyncIterable<CloudEventEnvelope>;
  readonly deliver: DeliverToFunction;
  readonly checkpoint: ReplayCheckpoint;
  /** Events per second at most. */
  readonly ratePerSecond: number;
  readonly dryRun?: boolean;
  /**
   * Deliver events whose sensitive fields the archive holds redacted, with the mask in place of the value: for a
   * consumer that never reads those fields (analytics, shipping). Off by default: a consumer that needs the value
   * (a card token) must get it from its owner, never a mask it might act on.
   */
  readonly withRedacted?: boolean;
  readonly onProgress?: (summary: ReplaySummary) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An event type whose data the archive holds redacted: a consumer that needs the value must never get the mask. */
export const carriesSensitiveData = (type: string): boolean => !isEventType(type) || eventCatalog[type].sensitive.length > 0;

/**
 * Delivers the window's events one at a time, in publish order, at most `ratePerSecond`, skipping what an earlier
 * replay delivered. A failed event is counted and left out of the checkpoint, so the next run tries it again; the rest
 * go on (each consumer dedupes by event id, so order within a retry is not a correctness matter).
 */
export const replay = async (options: ReplayOptions): Promise<ReplaySummary> => {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const gapInMs = 1000 / options.ratePerSecond;
  let found = 0, delivered = 0, alreadySeen = 0, withheld = 0;
  const failures: string[] = [];
  const summary = (): ReplaySummary => ({ found, delivered, alreadySeen, withheld, failed: failures.length, failures });
  let nextSendAt = 0;
  try {
    for await (const event of options.events) {
      found++;
      if (!options.withRedacted && carriesSensitiveData(event.type)) withheld++;
      else if (options.checkpoint.has(event.id)) alreadySeen++;
      else if (!options.dryRun) {
        const wait = nextSendAt - Date.now();
        if (wait > 0) await sleep(wait);
        nextSendAt = Math.max(Date.now(), nextSendAt) + gapInMs;
        try {
          await options.deliver(event);
          options.checkpoint.add(event.id);
          delivered++;
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      } else delivered++;
      options.onProgress?.(summary());
    }
  } finally {
    if (!options.dryRun) options.checkpoint.flush();
  }
  return summary();
};
