import path from "node:path";
import { Journal, deleteJournal, type JournalRecord } from "@azure-choreography/server-kit";
import type { AttemptResult } from "./retryPolicy";
import type { DeadLetter, DeadLetterReason, EmulatorCloudEvent } from "./types";

/**
 * What the emulator keeps on disk so a restart (even after `kill -9`) loses no accepted event, as Event Grid keeps an
 * event until it is delivered, dead-lettered or its time to live ends: every delivery accepted (written before the
 * publish is answered), each failed attempt with when the next is due, its end (delivered, dead-lettered or dropped), and
 * the dead letters. No policy is kept: a restored delivery follows its subscription's as configured at the restart. Records:
 *   ["pub", id, topic, subscription, event, publishedAtInMs]
 *   ["try", id, attempts, lastAttemptAtInMs, lastResult, dueAtInMs, deadLetterReason | null]
 *   ["end", id] · ["dead", deadLetter] · ["redelivered", index, at]
 */
export const DELIVERY_JOURNAL_FILE = "eventgrid-deliveries.log";

/** A delivery read back from the journal: its subscription is named, found again once the emulator knows it. */
export interface StoredDelivery {
  readonly id: number;
  readonly topic: string;
  readonly subscriptionName: string;
  readonly event: EmulatorCloudEvent;
  readonly publishedAtInMs: number;
  attempts: number;
  lastAttemptAtInMs?: number;
  lastResult?: AttemptResult;
  /** When the next step is due (a retry, or the dead letter at the end of the time to live); now when absent. */
  dueAtInMs?: number;
  /** Set when the next step is giving up, not a retry: a dead letter, or a drop if the subscription has no destination. */
  deadLetterReason?: DeadLetterReason;
}

export interface DeliveryState {
  readonly deliveries: Map<number, StoredDelivery>;
  readonly deadLetters: DeadLetter[];
  readonly nextId: number;
}

export class DeliveryJournal {
  private readonly journal: Journal;
  readonly restored: DeliveryState;

  /** Opens (and replays) the journal in `directory`; the scheduler hands its live state over with `setLiveSource`. */
  constructor(directory: string) {
    const deliveries = new Map<number, StoredDelivery>();
    const deadLetters: DeadLetter[] = [];
    let nextId = 1;
    let records = 0;
    this.journal = new Journal({ file: path.join(directory, DELIVERY_JOURNAL_FILE) }, (record) => {
      records++;
      const [type, a, b, c, d, e, f] = record;
      switch (type) {
        case "pub":
          deliveries.set(a as number, {
            id: a as number, topic: b as string, subscriptionName: c as string, event: d as EmulatorCloudEvent, publishedAtInMs: e as number, attempts: 0,
          });
          nextId = Math.max(nextId, (a as number) + 1);
          return;
        case "try": {
          const delivery = deliveries.get(a as number);
          if (!delivery) return;
          delivery.attempts = b as number;
          if (typeof c === "number") delivery.lastAttemptAtInMs = c;
          if (d) delivery.lastResult = d as AttemptResult;
          if (typeof e === "number") delivery.dueAtInMs = e;
          if (f) delivery.deadLetterReason = f as DeadLetterReason;
          else delete delivery.deadLetterReason;
          return;
        }
        case "end":
          deliveries.delete(a as number);
          return;
        case "dead":
          deadLetters[(a as DeadLetter).index] = a as DeadLetter;
          return;
        case "redelivered": {
          const deadLetter = deadLetters[a as number];
          if (deadLetter) deadLetter.redeliveredAt = b as string;
          return;
        }
        default:
          throw new Error(`unknown delivery journal record ${JSON.stringify(type)}`);
      }
    });
    this.restored = { deliveries, deadLetters, nextId };
    this.journal.setSnapshotSource(() => snapshot({ deliveries: deliveries.values(), deadLetters }));
    const liveNow = [...snapshot({ deliveries: deliveries.values(), deadLetters })];
    for (const { key, record } of liveNow) this.journal.track(key, JSON.stringify(record).length + 3);
    if (records > liveNow.length) this.journal.compactNow();
  }

  /** Where compactions read the live deliveries and dead letters from, from now on. */
  setLiveSource(live: () => { deliveries: Iterable<StoredDelivery>; deadLetters: readonly DeadLetter[] }): void {
    this.journal.setSnapshotSource(() => snapshot(live()));
  }

  accepted(delivery: StoredDelivery): void {
    this.journal.append(`pub:${delivery.id}`, pubRecord(delivery));
  }

  attempted(delivery: StoredDelivery): void {
    this.journal.append(`try:${delivery.id}`, tryRecord(delivery));
  }

  ended(id: number): void {
    this.journal.append(`pub:${id}`, ["end", id], true);
    this.journal.track(`try:${id}`, undefined);
  }

  deadLettered(deadLetter: DeadLetter): void {
    this.journal.append(`dead:${deadLetter.index}`, ["dead", deadLetter]);
  }

  redelivered(deadLetter: DeadLetter): void {
    // The dead letter as it is now, so a compaction and a replay agree.
    this.journal.append(`dead:${deadLetter.index}`, ["dead", deadLetter]);
  }

  /** Resolves once every record so far is on disk: a publish is answered only then. */
  durable(): Promise<void> {
    return this.journal.durable();
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}

const pubRecord = (d: StoredDelivery): JournalRecord => ["pub", d.id, d.topic, d.subscriptionName, d.event, d.publishedAtInMs];
const tryRecord = (d: StoredDelivery): JournalRecord => [
  "try", d.id, d.attempts, d.lastAttemptAtInMs ?? null, d.lastResult ?? null, d.dueAtInMs ?? null, d.deadLetterReason ?? null,
];

function* snapshot(state: { deliveries: Iterable<StoredDelivery>; deadLetters: readonly DeadLetter[] }): Iterable<{ key: string; record: JournalRecord }> {
  for (const deadLetter of state.deadLetters) if (deadLetter) yield { key: `dead:${deadLetter.index}`, record: ["dead", deadLetter] };
  for (const d of state.deliveries) {
    yield { key: `pub:${d.id}`, record: pubRecord(d) };
    if (d.attempts > 0) yield { key: `try:${d.id}`, record: tryRecord(d) };
  }
}

/** Removes the emulator's state in `directory`, for a fresh start. */
export const deleteDeliveryState = (directory: string): void => deleteJournal(path.join(directory, DELIVERY_JOURNAL_FILE));
