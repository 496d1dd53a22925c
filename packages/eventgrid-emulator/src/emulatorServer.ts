import { timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import { listen } from "@azure-choreography/server-kit";
import { DeliveryJournal } from "./deliveryJournal";
import { DeliveryScheduler } from "./deliveryScheduler";
import { EventGridEmulatorError, tooLarge } from "./errors";
import { readBodyCapped } from "./httpBody";
import { MAX_REQUEST_BYTES, parsePublishRequest } from "./publishRequest";
import {
  EVENT_GRID_EVENT_TIME_TO_LIVE_IN_MINUTES,
  EVENT_GRID_MAX_DELIVERY_ATTEMPTS,
  EVENT_GRID_RETRY_SCHEDULE_IN_MS,
  scaleSchedule,
  scaledTimeToLiveInMs,
} from "./retryPolicy";
import type {
  EmulatorCloudEvent,
  EmulatorSubscription,
  EmulatorTopic,
  EventGridEmulator,
  EventGridEmulatorOptions,
} from "./types";

/** A publish outage lasts at most 10 minutes. */
export const MAX_PUBLISH_OUTAGE_MS = 600_000;

const PUBLISH_PATH = /^\/([^/]+)\/api\/events\/?$/;
const REDELIVER_PATH = /^\/dead-letters\/(\d+)\/redeliver\/?$/;

/**
 * Starts a local stand-in for Event Grid custom topics with the CloudEvents input schema: the publish endpoint
 * `EventGridPublisherClient` talks to, push delivery to webhooks with Event Grid's retry and dead-letter rules, and
 * `/dead-letters` + `/deliveries` to see what happened.
 */
export async function startEventGridEmulator(options: EventGridEmulatorOptions): Promise<EventGridEmulator> {
  const log = options.log ?? ((line: string) => console.log(line));
  const scale = options.retryScale ?? 1;
  if (!(scale > 0)) throw new Error(`retryScale must be > 0, got ${scale}`);
  const topics = new Map<string, EmulatorTopic>(options.topics.map((topic) => [topic.name.toLowerCase(), topic]));
  const currentSubscriptions = (): readonly EmulatorSubscription[] =>
    typeof options.subscriptions === "function" ? options.subscriptions() : options.subscriptions;
  const journal = options.stateDirectory === undefined ? undefined : new DeliveryJournal(options.stateDirectory);
  const scheduler = new DeliveryScheduler({
    // For the subscriptions that set no policy of their own (EmulatorSubscription.maxDeliveryAttempts and the rest).
    defaultPolicy: {
      scheduleInMs: options.retryScheduleInMs ?? scaleSchedule(EVENT_GRID_RETRY_SCHEDULE_IN_MS, scale),
      maxDeliveryAttempts: options.maxDeliveryAttempts ?? EVENT_GRID_MAX_DELIVERY_ATTEMPTS,
      eventTimeToLiveInMs: options.eventTimeToLiveInMs ?? scaledTimeToLiveInMs(EVENT_GRID_EVENT_TIME_TO_LIVE_IN_MINUTES, scale),
    },
    deliveryTimeoutInMs: options.deliveryTimeoutInMs ?? 30_000,
    maxConcurrentDeliveries: options.maxConcurrentDeliveries ?? 32,
    ...(options.deadLetterDir === undefined ? {} : { deadLetterDir: options.deadLetterDir }),
    ...(options.deadLetterSink === undefined ? {} : { deadLetterSink: options.deadLetterSink }),
    ...(options.onAttempt === undefined ? {} : { onAttempt: options.onAttempt }),
    ...(journal ? { journal } : {}),
    ...(options.startPaused ? { startPaused: true } : {}),
    resolveSubscription: (topic, name) =>
      currentSubscriptions().find((s) => s.name === name && s.topic.toLowerCase() === topic.toLowerCase()),
    log,
  });
  const outages = new Map<string, number>();

  const publish = async (req: http.IncomingMessage, topicName: string): Promise<void> => {
    const topic = topics.get(topicName.toLowerCase());
    if (!topic) throw new EventGridEmulatorError(404, "NotFound", `Topic '${topicName}' does not exist.`);
    const outageEndsAt = outages.get(topic.name.toLowerCase());
    if (outageEndsAt !== undefined && Date.now() < outageEndsAt) {
      req.resume();
      throw new EventGridEmulatorError(503, "ServiceUnavailable", `Topic '${topic.name}' is unavailable (local fault injection until ${new Date(outageEndsAt).toISOString()}).`);
    }
    if (req.method !== "POST") throw new EventGridEmulatorError(405, "MethodNotAllowed", "Publish with POST.");
    authorize(req, topic, options.acceptBearerTokens ?? false);
    const read = await readBodyCapped(req, MAX_REQUEST_BYTES);
    if (read.kind === "tooLarge") {
      throw tooLarge(`The request is ${read.bytes} bytes or more; the limit is ${MAX_REQUEST_BYTES} bytes.`);
    }
    const events = parsePublishRequest(read.body, req.headers["content-type"]);
    const subscriptions = currentSubscriptions().filter((s) => s.topic.toLowerCase() === topic.name.toLowerCase());
    const publishedAt = Date.now();
    let deliveries = 0;
    for (const event of events) {
      for (const subscription of subscriptions.filter((s) => matches(s, event))) {
        scheduler.enqueue(topic.name, subscription, event, publishedAt);
        deliveries += 1;
      }
    }
    // Answered only once the deliveries are on disk (with a state directory): an accepted event survives a crash.
    await scheduler.durable();
    log(`eventgrid: ${topic.name} ← ${events.length} event(s) [${summarizeTypes(events)}] → ${deliveries} delivery(ies)`);
  };

  const redeliver = async (index: number): Promise<unknown> => {
    const deadLetter = scheduler.deadLetterAt(index);
    if (!deadLetter) throw new EventGridEmulatorError(404, "NotFound", `No dead letter at index ${index}.`);
    const subscription = currentSubscriptions().find(
      (s) => s.name === deadLetter.subscription && s.topic.toLowerCase() === deadLetter.topic.toLowerCase(),
    );
    if (!subscription) {
      throw new EventGridEmulatorError(404, "NotFound", `Subscription '${deadLetter.subscription}' no longer exists.`);
    }
    const redelivered = scheduler.redeliver(index, subscription);
    // Answered, like a publish, only once the redelivery is on disk.
    await scheduler.durable();
    return redelivered;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const route = async (): Promise<{ status: number; body?: unknown; problem?: { code: string; detail: string }; allow?: string }> => {
      const publishMatch = PUBLISH_PATH.exec(url.pathname);
      if (publishMatch?.[1]) {
        await publish(req, decodeURIComponent(publishMatch[1]));
        return { status: 200 };
      }
      const redeliverMatch = REDELIVER_PATH.exec(url.pathname);
      if (redeliverMatch?.[1] && req.method === "POST") {
        return { status: 202, body: await redeliver(Number(redeliverMatch[1])) };
      }
      if (req.method === "GET" && url.pathname.replace(/\/$/, "") === "/dead-letters") {
        const name = url.searchParams.get("subscription");
        return { status: 200, body: scheduler.deadLetters().filter((d) => !name || d.subscription === name) };
      }
      if (req.method === "GET" && url.pathname.replace(/\/$/, "") === "/deliveries") {
        const name = url.searchParams.get("subscription");
        return { status: 200, body: scheduler.deliveries().filter((d) => !name || d.subscription === name) };
      }
      if (req.method === "GET" && url.pathname === "/") {
        return { status: 200, body: describe() };
      }
      if (req.method === "GET" && url.pathname.replace(/\/$/, "") === "/status") {
        // For a client in another process (a test harness): what idle() waits for.
        return { status: 200, body: { idle: scheduler.isIdle(), busy: scheduler.describeBusy() } };
      }
      const allowed = allowedMethods(url.pathname);
      if (allowed) {
        return { status: 405, problem: { code: "MethodNotAllowed", detail: `${url.pathname} answers ${allowed}, not ${req.method}.` }, allow: allowed };
      }
      return { status: 404, problem: { code: "NotFound", detail: `Nothing answers ${req.method} ${url.pathname}; GET / lists the topics and subscriptions.` } };
    };
    route().then(
      ({ status, body, problem, allow }) => (problem ? sendProblem(res, status, problem, allow) : send(res, status, body)),
      (error: unknown) => {
        if (error instanceof EventGridEmulatorError) {
          log(`eventgrid: refused ${req.method} ${url.pathname}: ${error.status} ${error.message}`);
          send(res, error.status, error.toBody());
        } else {
          log(`eventgrid: internal error on ${req.method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`);
          send(res, 500, { error: { code: "InternalServerError", message: "The emulator failed; see its log." } });
        }
      },
    );
  });

  const { port, baseUrl } = await listen(server, options.port, options.bind ?? "127.0.0.1");
  const topicEndpoint = (topic: string): string => `${baseUrl}/${encodeURIComponent(topic)}/api/events`;

  function describe(): unknown {
    return {
      topics: [...topics.values()].map((topic) => ({ name: topic.name, endpoint: topicEndpoint(topic.name) })),
      subscriptions: currentSubscriptions(),
    };
  }

  return {
    url: baseUrl,
    port,
    topicEndpoint,
    deadLetters: () => scheduler.deadLetters(),
    deliveries: () => scheduler.deliveries(),
    resumeDeliveries: () => scheduler.resume(),
    setPublishOutage: (topic: string, forMs: number) => {
      const known = topics.get(topic.toLowerCase());
      if (!known) throw new EventGridEmulatorError(404, "NotFound", `Topic '${topic}' does not exist.`);
      if (!Number.isInteger(forMs) || forMs < 0 || forMs > MAX_PUBLISH_OUTAGE_MS) {
        throw new EventGridEmulatorError(400, "BadRequest", `forMs must be an integer from 0 to ${MAX_PUBLISH_OUTAGE_MS}.`);
      }
      const endsAt = Date.now() + forMs;
      if (forMs === 0) outages.delete(known.name.toLowerCase());
      else outages.set(known.name.toLowerCase(), endsAt);
      log(`eventgrid: publish endpoint of ${known.name} ${forMs === 0 ? "back up" : `down for ${forMs} ms (fault injection)`}`);
      return { topic: known.name, endsAt: new Date(endsAt).toISOString() };
    },
    idle: (timeoutInMs?: number) => scheduler.idle(timeoutInMs),
    close: async () => {
      await scheduler.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function authorize(req: http.IncomingMessage, topic: EmulatorTopic, acceptBearerTokens: boolean): void {
  const key = req.headers["aeg-sas-key"];
  if (typeof key === "string" && key.length > 0) {
    if (sameSecret(key, topic.key)) return;
    throw new EventGridEmulatorError(401, "Unauthorized", `The aeg-sas-key is not a valid key for topic '${topic.name}'.`);
  }
  const authorization = req.headers.authorization;
  if (acceptBearerTokens && typeof authorization === "string" && /^Bearer\s+\S+/i.test(authorization)) return;
  const hint = req.headers["aeg-sas-token"]
    ? "aeg-sas-token is not supported by the emulator; send aeg-sas-key"
    : acceptBearerTokens
      ? "send aeg-sas-key or Authorization: Bearer"
      : "send the topic key in aeg-sas-key";
  throw new EventGridEmulatorError(401, "Unauthorized", `The request carries no valid credential: ${hint}.`);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function matches(subscription: EmulatorSubscription, event: EmulatorCloudEvent): boolean {
  const types = subscription.includedEventTypes;
  if (types === undefined) return true;
  const type = event.type.toLowerCase();
  return types.some((included) => included.toLowerCase() === type);
}

function summarizeTypes(events: readonly EmulatorCloudEvent[]): string {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return [...counts].map(([type, count]) => (count === 1 ? type : `${type} ×${count}`)).join(", ");
}

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, { "content-length": 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The methods a known path answers, for a 405; undefined for a path that is not the emulator's. */
function allowedMethods(pathname: string): string | undefined {
  const path = pathname.replace(/\/$/, "");
  if (path === "/dead-letters" || path === "/deliveries" || path === "/status" || path === "") return "GET";
  if (REDELIVER_PATH.test(pathname)) return "POST";
  return undefined;
}

function sendProblem(res: http.ServerResponse, status: number, problem: { code: string; detail: string }, allow?: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify({ type: "about:blank", title: http.STATUS_CODES[status], status, ...problem });
  res.writeHead(status, {
    "content-type": "application/problem+json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(allow ? { allow } : {}),
  });
  res.end(text);
}
