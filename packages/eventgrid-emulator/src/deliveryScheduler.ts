import { setMaxListeners } from "node:events";
import { promises as fs } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import type { DeliveryJournal, StoredDelivery } from "./deliveryJournal";
import { decideNextStep, type AttemptResult, type RetryPolicy } from "./retryPolicy";
import type { DeadLetter, DeadLetterReason, DeliveryRecord, EmulatorCloudEvent, EmulatorSubscription } from "./types";
import { postToWebhook } from "./webhookDelivery";

export interface DeliverySchedulerConfig {
  /** What a subscription gets for each part of its policy it does not set (see EmulatorSubscription). */
  defaultPolicy: RetryPolicy;
  deliveryTimeoutInMs: number;
  maxConcurrentDeliveries: number;
  deadLetterDir?: string;
  /** Where dead letters go besides memory, e.g. Azurite's blob container in Event Grid's layout. */
  deadLetterSink?: (deadLetter: DeadLetter) => Promise<void>;
  /** Told of every delivery attempt once it ended, with the event it carried (e.g. to trace the hop). */
  onAttempt?: (record: DeliveryRecord, event: EmulatorCloudEvent) => void;
  log: (line: string) => void;
  now?: () => number;
  /** Keeps accepted deliveries, their retry schedule and the dead letters across a restart; see deliveryJournal.ts. */
  journal?: DeliveryJournal;
  /** Accept and keep deliveries but attempt none until `resume()`. */
  startPaused?: boolean;
  /** Finds a restored delivery's subscription by name (it may be known only once its endpoint is). */
  resolveSubscription?: (topic: string, name: string) => EmulatorSubscription | undefined;
}

interface DeliveryJob {
  id: number;
  topic: string;
  subscription: EmulatorSubscription;
  event: EmulatorCloudEvent;
  publishedAtInMs: number;
  attempts: number;
  lastResult?: AttemptResult;
  lastAttemptAtInMs?: number;
  /** The event's JSON size, measured once when a batch is formed. */
  bytes?: number;
  /** When the next retry (or the dead letter at the end of the time to live) is due, while waiting for it. */
  dueAtInMs?: number;
  deadLetterReason?: DeadLetterReason;
}

/** How often deliveries restored from the journal look for their subscription, until it is known. */
const PARKED_CHECK_INTERVAL_IN_MS = 100;

const MAX_DELIVERY_RECORDS = 10_000;
/** How far past the head of the queue a batch looks for events of its subscription, so forming one stays cheap. */
const MAX_BATCH_LOOKAHEAD = 1_000;
const DEFAULT_PREFERRED_BATCH_KB = 64;

const sizeOf = (job: DeliveryJob): number => (job.bytes ??= Buffer.byteLength(JSON.stringify(job.event)));
const sameSubscription = (a: DeliveryJob, b: DeliveryJob): boolean => a.topic === b.topic && a.subscription.name === b.subscription.name;

/**
 * Event Grid's delivery loop for one emulator: at-least-once, unordered, retried per the subscription's policy,
 * dead-lettered at the end (or dropped, for a subscription without a dead-letter destination). Concurrency is bounded
 * so a burst of events does not open thousands of sockets on a laptop.
 */
export class DeliveryScheduler {
  /** Jobs in arrival order; a slot a batch took out of order is left undefined. */
  private readonly queue: (DeliveryJob | undefined)[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly agents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  private readonly deadLetterList: DeadLetter[] = [];
  private records: DeliveryRecord[] = [];
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  private readonly now: () => number;
  private nextId = 1;
  /** Every delivery not yet delivered or dead-lettered, queued, in flight or waiting: what the journal keeps. */
  private readonly live = new Map<number, DeliveryJob>();
  /** Deliveries restored from the journal whose subscription is not known yet. */
  private parked: StoredDelivery[] = [];
  private parkedTimer: NodeJS.Timeout | undefined;
  /** While paused, deliveries are accepted and kept but none is attempted (see EventGridEmulatorOptions.startPaused). */
  private paused: boolean;

  constructor(private readonly config: DeliverySchedulerConfig) {
    this.now = config.now ?? Date.now;
    // Every in-flight delivery listens on the one close signal; more than Node's default 10 is expected, not a leak.
    setMaxListeners(0, this.abort.signal);
    this.paused = config.startPaused ?? false;
    const restored = config.journal?.restored;
    config.journal?.setLiveSource(() => this.liveDeliveries());
    if (restored) {
      this.nextId = restored.nextId;
      this.deadLetterList.push(...restored.deadLetters);
      this.parked = [...restored.deliveries.values()];
      if (this.parked.length > 0) {
        config.log(`eventgrid: ${this.parked.length} delivery(ies) restored from the journal; each resumes once its subscription is known`);
        if (!this.paused) this.resumeParked();
      }
    }
  }

  enqueue(topic: string, subscription: EmulatorSubscription, event: EmulatorCloudEvent, publishedAtInMs: number): void {
    if (this.closed) return;
    const job: DeliveryJob = { id: this.nextId++, topic, subscription, event, publishedAtInMs, attempts: 0 };
    this.live.set(job.id, job);
    this.config.journal?.accepted(stored(job));
    this.queue.push(job);
    this.pump();
  }

  /** Starts delivering (what was accepted while paused, and what was restored). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.parked.length > 0) this.resumeParked();
    this.pump();
  }

  /** Resolves once every delivery accepted so far is on disk (at once without a journal). */
  durable(): Promise<void> {
    return this.config.journal?.durable() ?? Promise.resolve();
  }

  /** The live deliveries as the journal stores them, for its compaction. */
  liveDeliveries(): { deliveries: Iterable<StoredDelivery>; deadLetters: readonly DeadLetter[] } {
    return { deliveries: [...this.live.values()].map(stored).concat(this.parked), deadLetters: this.deadLetterList };
  }

  /** Restored deliveries go back to their schedule once their subscription is known; until then they wait. */
  private resumeParked(): void {
    this.parkedTimer = undefined;
    if (this.closed) return;
    const waiting: StoredDelivery[] = [];
    for (const p of this.parked) {
      const subscription = this.config.resolveSubscription?.(p.topic, p.subscriptionName);
      if (!subscription) {
        waiting.push(p);
        continue;
      }
      const job: DeliveryJob = {
        id: p.id, topic: p.topic, subscription, event: p.event, publishedAtInMs: p.publishedAtInMs, attempts: p.attempts,
        ...(p.lastResult ? { lastResult: p.lastResult } : {}),
        ...(p.lastAttemptAtInMs === undefined ? {} : { lastAttemptAtInMs: p.lastAttemptAtInMs }),
      };
      this.live.set(job.id, job);
      const delay = Math.max(0, (p.dueAtInMs ?? 0) - this.now());
      // The journal keeps no policy: from here on the subscription's policy as configured now decides (the due time
      // stays the one the journal kept).
      const reason = p.deadLetterReason;
      if (reason) this.schedule(delay, () => this.giveUp(job, reason));
      else
        this.schedule(delay, () => {
          this.queue.push(job);
          this.pump();
        });
    }
    this.parked = waiting;
    if (waiting.length > 0) {
      this.parkedTimer = setTimeout(() => this.resumeParked(), PARKED_CHECK_INTERVAL_IN_MS);
      this.parkedTimer.unref();
    }
  }

  /**
   * Queues a dead letter again with a fresh attempt count and time to live, to the subscription as configured now
   * (its endpoint may have moved). Returns undefined when there is no such dead letter.
   */
  redeliver(index: number, subscription: EmulatorSubscription): DeadLetter | undefined {
    const deadLetter = this.deadLetterList[index];
    if (!deadLetter || this.closed) return undefined;
    deadLetter.redeliveredAt = new Date(this.now()).toISOString();
    this.config.journal?.redelivered(deadLetter);
    this.config.log(`eventgrid: redelivering dead letter ${index} (${deadLetter.event.id}) to ${subscription.name}`);
    this.enqueue(deadLetter.topic, subscription, deadLetter.event, this.now());
    return { ...deadLetter };
  }

  deadLetterAt(index: number): DeadLetter | undefined {
    const deadLetter = this.deadLetterList[index];
    return deadLetter ? { ...deadLetter } : undefined;
  }

  deadLetters(): DeadLetter[] {
    return this.deadLetterList.map((deadLetter) => ({ ...deadLetter }));
  }

  deliveries(): DeliveryRecord[] {
    return this.records.slice(-MAX_DELIVERY_RECORDS);
  }

  isIdle(): boolean {
    return this.queueHead >= this.queue.length && this.inFlight === 0 && this.timers.size === 0 && this.pendingWrites.size === 0;
  }

  idle(timeoutInMs = 30_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        this.idleWaiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(waiter);
        reject(new Error(`Event Grid emulator still busy after ${timeoutInMs} ms (${this.describeBusy()}).`));
      }, timeoutInMs);
      timer.unref();
      this.idleWaiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.parkedTimer) clearTimeout(this.parkedTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.queueHead = 0;
    this.abort.abort();
    const deadline = this.now() + 5_000;
    // In-flight posts settle on abort within a tick or two; the bound only guards against a wedged socket.
    while (this.inFlight > 0 && this.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.allSettled([...this.pendingWrites]);
    // What was still pending stays in the journal: the next start resumes it.
    await this.config.journal?.close();
    this.agents.http.destroy();
    this.agents.https.destroy();
    this.notifyIfIdle();
  }

  private pump(): void {
    while (!this.paused && !this.closed && this.inFlight < this.config.maxConcurrentDeliveries && this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead];
      this.queue[this.queueHead] = undefined;
      this.queueHead += 1;
      if (!job) continue;
      const batch: [DeliveryJob, ...DeliveryJob[]] = [job, ...this.takeBatchMates(job)];
      this.inFlight += 1;
      void this.attempt(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
        this.notifyIfIdle();
      });
    }
    if (this.queueHead >= this.queue.length && this.queueHead > 0) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
  }

  /**
   * Event Grid's batching is optimistic: a delivery takes the events of its subscription that are already waiting, up to
   * `maxEventsPerBatch` and `preferredBatchSizeInKilobytes`, and never waits for more. Each keeps its own attempt count
   * and retry schedule; a failed batch is retried event by event, and they may batch again with others.
   */
  private takeBatchMates(first: DeliveryJob): DeliveryJob[] {
    const max = first.subscription.maxEventsPerBatch ?? 1;
    if (max <= 1) return [];
    const budget = (first.subscription.preferredBatchSizeInKilobytes ?? DEFAULT_PREFERRED_BATCH_KB) * 1024;
    let bytes = sizeOf(first);
    const mates: DeliveryJob[] = [];
    const end = Math.min(this.queue.length, this.queueHead + MAX_BATCH_LOOKAHEAD);
    for (let i = this.queueHead; i < end && mates.length < max - 1; i++) {
      const job = this.queue[i];
      if (!job || !sameSubscription(job, first)) continue;
      if (bytes + sizeOf(job) > budget) break;
      bytes += sizeOf(job);
      mates.push(job);
      this.queue[i] = undefined;
    }
    return mates;
  }

  /** The subscription's own policy, each part it does not set from the emulator's defaults. */
  private policyOf(subscription: EmulatorSubscription): RetryPolicy {
    const defaults = this.config.defaultPolicy;
    return {
      scheduleInMs: defaults.scheduleInMs,
      maxDeliveryAttempts: subscription.maxDeliveryAttempts ?? defaults.maxDeliveryAttempts,
      eventTimeToLiveInMs: subscription.eventTimeToLiveInMs ?? defaults.eventTimeToLiveInMs,
    };
  }

  /** A batch is one subscription's (takeBatchMates), so one policy decides for all its events. */
  private async attempt(batch: readonly [DeliveryJob, ...DeliveryJob[]]): Promise<void> {
    const startedAt = this.now();
    const policy = this.policyOf(batch[0].subscription);
    const live = batch.filter((job) => {
      if (startedAt < job.publishedAtInMs + policy.eventTimeToLiveInMs) return true;
      this.giveUp(job, "TimeToLiveExceeded");
      return false;
    });
    const [first] = live;
    if (!first) return;
    for (const job of live) {
      job.attempts += 1;
      job.lastAttemptAtInMs = startedAt;
    }
    const result = await postToWebhook({
      endpointUrl: first.subscription.endpointUrl,
      events: live.map((job) => job.event),
      batch: (first.subscription.maxEventsPerBatch ?? 1) > 1,
      subscriptionName: first.subscription.name,
      deliveryCount: first.attempts - 1,
      timeoutInMs: this.config.deliveryTimeoutInMs,
      signal: this.abort.signal,
      agents: this.agents,
    });
    const finishedAt = this.now();
    for (const job of live) {
      job.lastResult = result;
      this.record(job, result, startedAt, finishedAt, live.length);
    }
    if (this.closed) return;
    for (const job of live) this.afterAttempt(job, result, finishedAt, policy);
  }

  private afterAttempt(job: DeliveryJob, result: AttemptResult, finishedAt: number, policy: RetryPolicy): void {
    const next = decideNextStep(result, job.attempts, policy, job.publishedAtInMs, finishedAt);
    switch (next.kind) {
      case "done":
        this.end(job);
        return;
      case "retry":
        this.config.log(`${flowTag(job)}eventgrid: ${describeAttempt(job, result)}; retry in ${next.delayInMs} ms`);
        job.dueAtInMs = finishedAt + next.delayInMs;
        this.config.journal?.attempted(stored(job));
        this.schedule(next.delayInMs, () => {
          this.queue.push(job);
          this.pump();
        });
        return;
      case "deadLetter":
        if (next.delayInMs > 0) {
          this.config.log(`${flowTag(job)}eventgrid: ${describeAttempt(job, result)}; time to live ends in ${next.delayInMs} ms`);
          job.dueAtInMs = finishedAt + next.delayInMs;
          job.deadLetterReason = next.reason;
          this.config.journal?.attempted(stored(job));
          this.schedule(next.delayInMs, () => this.giveUp(job, next.reason));
        } else {
          this.giveUp(job, next.reason);
        }
        return;
      default: {
        const unreachable: never = next;
        throw new Error(`Unknown step ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private schedule(delayInMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) run();
      this.notifyIfIdle();
    }, delayInMs);
    timer.unref();
    this.timers.add(timer);
  }

  private record(job: DeliveryJob, result: AttemptResult, startedAt: number, finishedAt: number, batchSize: number): void {
    const record: DeliveryRecord = {
      subscription: job.subscription.name,
      topic: job.topic,
      eventId: job.event.id,
      eventType: job.event.type,
      attempt: job.attempts,
      outcome: result.outcome,
      ...(result.httpStatusCode === undefined ? {} : { httpStatusCode: result.httpStatusCode }),
      ...(result.errorMessage === undefined ? {} : { errorMessage: result.errorMessage }),
      time: new Date(startedAt).toISOString(),
      durationInMs: finishedAt - startedAt,
      ...(batchSize > 1 ? { batchSize } : {}),
    };
    this.records.push(record);
    this.config.onAttempt?.(record, job.event);
    // Trim in chunks so the cap costs nothing per delivery.
    if (this.records.length > MAX_DELIVERY_RECORDS + 1000) {
      this.records = this.records.slice(-MAX_DELIVERY_RECORDS);
    }
  }

  /**
   * Retrying is over: the event is dead-lettered, or dropped when its subscription has no dead-letter destination, as
   * Event Grid drops it (learn.microsoft.com/azure/event-grid/delivery-and-retry): then it is kept nowhere, not in
   * `deadLetters()`, the folder or the sink, and only the log says so.
   */
  private giveUp(job: DeliveryJob, reason: DeadLetterReason): void {
    if (job.subscription.deadLetter === false) this.drop(job, reason);
    else this.deadLetter(job, reason);
  }

  private drop(job: DeliveryJob, reason: DeadLetterReason): void {
    this.end(job);
    const last = job.lastResult;
    this.config.log(
      `${flowTag(job)}eventgrid: DROPPED ${job.event.type} ${job.event.id} for ${job.subscription.name}: ${reason} after ` +
        `${job.attempts} attempt(s), last ${last?.httpStatusCode ?? "-"} ${last?.outcome ?? "GenericError"}; ` +
        `the subscription has no dead-letter destination`,
    );
  }

  private deadLetter(job: DeliveryJob, reason: DeadLetterReason): void {
    const publishTime = new Date(job.publishedAtInMs).toISOString();
    const deadLetter: DeadLetter = {
      index: this.deadLetterList.length,
      subscription: job.subscription.name,
      topic: job.topic,
      event: job.event,
      deadLetterReason: reason,
      deliveryAttempts: job.attempts,
      lastDeliveryOutcome: job.lastResult?.outcome ?? "GenericError",
      ...(job.lastResult?.httpStatusCode === undefined ? {} : { lastHttpStatusCode: job.lastResult.httpStatusCode }),
      ...(job.lastResult?.errorMessage === undefined ? {} : { lastErrorMessage: job.lastResult.errorMessage }),
      publishTime,
      lastDeliveryAttemptTime:
        job.lastAttemptAtInMs === undefined ? publishTime : new Date(job.lastAttemptAtInMs).toISOString(),
    };
    this.deadLetterList.push(deadLetter);
    this.config.journal?.deadLettered(deadLetter);
    this.end(job);
    this.config.log(
      `${flowTag(job)}eventgrid: DEAD-LETTERED ${job.event.type} ${job.event.id} for ${job.subscription.name}: ${reason} after ` +
        `${job.attempts} attempt(s), last ${deadLetter.lastHttpStatusCode ?? "-"} ${deadLetter.lastDeliveryOutcome}`,
    );
    if (this.config.deadLetterDir) this.writeDeadLetterFile(this.config.deadLetterDir, deadLetter);
    if (this.config.deadLetterSink) this.track(this.config.deadLetterSink(deadLetter), `dead letter ${deadLetter.event.id}`);
  }

  /** The delivery is over (delivered or dead-lettered): the journal forgets it. */
  private end(job: DeliveryJob): void {
    if (!this.live.delete(job.id)) return;
    this.config.journal?.ended(job.id);
  }

  /** Keeps a write in `pendingWrites` so `close()` and `idle()` wait for it; a failed write is logged, not thrown. */
  private track(write: Promise<void>, what: string): void {
    const tracked = write
      .catch((error: Error) => this.config.log(`eventgrid: could not store ${what}: ${error.message}`))
      .finally(() => {
        this.pendingWrites.delete(tracked);
        this.notifyIfIdle();
      });
    this.pendingWrites.add(tracked);
  }

  private writeDeadLetterFile(dir: string, deadLetter: DeadLetter): void {
    const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
    const file = path.join(
      dir,
      `${String(deadLetter.index).padStart(6, "0")}-${safe(deadLetter.subscription)}-${safe(deadLetter.event.id)}.json`,
    );
    this.track(
      fs.mkdir(dir, { recursive: true }).then(() => fs.writeFile(file, JSON.stringify(deadLetter, null, 2))),
      `dead letter file ${file}`,
    );
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const waiter of [...this.idleWaiters]) waiter();
  }

  describeBusy(): string {
    const queued = this.queue.slice(this.queueHead).filter((job) => job !== undefined).length;
    const parked = this.parked.length > 0 ? `, ${this.parked.length} restored waiting for their subscription` : "";
    return `${queued} queued, ${this.inFlight} in flight, ${this.timers.size} waiting to retry, ${this.pendingWrites.size} dead letter(s) being written${parked}`;
  }
}

function stored(job: DeliveryJob): StoredDelivery {
  return {
    id: job.id, topic: job.topic, subscriptionName: job.subscription.name, event: job.event, publishedAtInMs: job.publishedAtInMs, attempts: job.attempts,
    ...(job.lastAttemptAtInMs === undefined ? {} : { lastAttemptAtInMs: job.lastAttemptAtInMs }),
    ...(job.lastResult ? { lastResult: job.lastResult } : {}),
    ...(job.dueAtInMs === undefined ? {} : { dueAtInMs: job.dueAtInMs }),
    ...(job.deadLetterReason ? { deadLetterReason: job.deadLetterReason } : {}),
  };
}

function describeAttempt(job: DeliveryJob, result: AttemptResult): string {
  const status = result.httpStatusCode === undefined ? "" : `${result.httpStatusCode} `;
  return (
    `delivery of ${job.event.type} ${job.event.id} to ${job.subscription.name} failed ` +
    `(attempt ${job.attempts}: ${status}${result.outcome}${result.errorMessage ? ` - ${oneLine(result.errorMessage)}` : ""})`
  );
}

const oneLine = (text: string): string => text.replace(/\s+/g, " ").slice(0, 200);

/** `[flow <correlationid>] `: every line about a delivery names the business flow, as the reactions' lines do. */
function flowTag(job: DeliveryJob): string {
  const flow = (job.event as { correlationid?: unknown }).correlationid;
  return typeof flow === "string" ? `[flow ${flow.slice(0, 200)}] ` : "";
}
