import * as http from "node:http";
import * as https from "node:https";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { CloudEventEnvelope } from "../events/envelope";

/**
 * Publishing already-built CloudEvents to an Event Grid custom topic takes one HTTP POST, so this sends it directly
 * instead of through `EventGridPublisherClient`'s pipeline (which re-maps every event and runs a dozen policies per
 * request). The contract, from "Publish events to Azure Event Grid custom topics using access keys"
 * (https://learn.microsoft.com/azure/event-grid/post-to-custom-topic) and "Authenticate publishing clients using
 * Microsoft Entra ID" (https://learn.microsoft.com/azure/event-grid/authenticate-with-active-directory):
 * `POST <topic endpoint>?api-version=2018-01-01`, body a JSON array of CloudEvents 1.0 (extensions at top level) with
 * content type `application/cloudevents-batch+json`, authenticated by the `aeg-sas-key` header (the topic's key) or
 * `Authorization: Bearer <token>` for the scope `https://eventgrid.azure.net/.default`; success is 200.
 */
export const EVENT_GRID_API_VERSION = "2018-01-01";
export const EVENT_GRID_SCOPE = "https://eventgrid.azure.net/.default";
const BATCH_CONTENT_TYPE = "application/cloudevents-batch+json; charset=utf-8";
/** Event Grid refuses a request over 1 MB or 5,000 events; leave room for the array's commas and brackets. */
export const MAX_REQUEST_BYTES = 1024 * 1024 - 1024;
export const MAX_EVENTS_PER_REQUEST = 5000;
/** Well under Event Grid's 30 s wait for the delivery that publishes, so a hung publish fails that delivery in time. */
export const DEFAULT_PUBLISH_TIMEOUT_IN_MS = 10_000;
/**
 * Tries per request, all within the one timeout: a kept-alive connection the topic closed while idle fails the request
 * sent on it, and a 408, 429 or 5xx may pass; the SDK's pipeline retried both. A retry may deliver an event twice
 * (the first request may have got through); consumers dedupe by event id.
 */
export const MAX_PUBLISH_ATTEMPTS = 3;
const RETRY_DELAYS_IN_MS = [50, 250];
/** A retry that would have less than this left to get its answer is not made. */
const MIN_ATTEMPT_IN_MS = 100;
/** Refresh this long before expiry, so no request leaves with a token that expires on the way. */
export const TOKEN_REFRESH_MARGIN_IN_MS = 5 * 60_000;

export type TopicAuth =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "entra"; readonly credential: TokenCredential };

/** Sends CloudEvents of one topic; the same port the SDK-backed sender implements. */
export interface TopicSender {
  sendEvents(events: readonly CloudEventEnvelope[], options?: { abortSignal?: AbortSignal }): Promise<void>;
}

/** Event Grid refused or did not answer a publish; `statusCode` is undefined when no answer came. */
export class EventGridPublishError extends Error {
  readonly code = "EVENTGRID.PUBLISH_FAILED";
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EventGridPublishError";
  }
}

/** What the sender needs from HTTP: one POST, its status, and the body only when it is an error. */
export interface PublishAnswer {
  readonly status: number;
  readonly text: string;
}
export type PublishTransport = (
  url: URL,
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: string; readonly timeoutInMs: number; readonly signal?: AbortSignal },
) => Promise<PublishAnswer>;

// Measured (docs/benchmark.md): Node 20's global fetch costs several times the CPU of http.request on a keep-alive
// agent for the same small POST, which is the very cost this publisher exists to cut.
const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

/** POST over node:http(s) with keep-alive connections; a success's body is drained unread, an error's is kept. */
export const nodeHttpTransport: PublishTransport = (url, { headers, body, timeoutInMs, signal }) =>
  new Promise<PublishAnswer>((resolve, reject) => {
    const secure = url.protocol === "https:";
    const request = (secure ? https : http).request(
      url,
      { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent: agents[secure ? "https:" : "http:"], signal },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        if (status >= 200 && status < 300) response.resume();
        else response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          clearTimeout(timer);
          resolve({ status, text: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("error", fail);
      },
    );
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutInMs} ms`)), timeoutInMs);
    request.on("error", fail);
    request.end(body);
  });

export interface CloudEventsSenderOptions {
  readonly topic: string;
  readonly endpoint: string;
  readonly auth: TopicAuth;
  readonly timeoutInMs?: number;
  readonly transport?: PublishTransport;
  readonly now?: () => number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TopicSender that posts the events as they are; only a missing `datacontenttype` is set, as the SDK does. */
export const createCloudEventsTopicSender = (options: CloudEventsSenderOptions): TopicSender => {
  const url = withApiVersion(options.endpoint);
  const transport = options.transport ?? nodeHttpTransport;
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_PUBLISH_TIMEOUT_IN_MS;
  const authName = options.auth.kind === "key" ? "aeg-sas-key" : "Microsoft Entra token";
  const auth = options.auth;
  const authHeader: () => Promise<Record<string, string>> | Record<string, string> =
    auth.kind === "key"
      ? () => ({ "aeg-sas-key": auth.key })
      : ((tokens) => async () => ({ authorization: `Bearer ${await tokens()}` }))(createTokenCache(auth.credential, EVENT_GRID_SCOPE, options.now));

  const now = options.now ?? Date.now;
  const post = async (body: string, signal: AbortSignal | undefined): Promise<void> => {
    const headers = { "content-type": BATCH_CONTENT_TYPE, ...(await authHeader()) };
    const deadline = now() + timeoutInMs;
    for (let attempt = 1; ; attempt++) {
      const delay = RETRY_DELAYS_IN_MS[attempt - 1] ?? 0;
      // Another try only while it has time to get an answer, and never for a caller that gave up.
      const mayRetry = () => attempt < MAX_PUBLISH_ATTEMPTS && !signal?.aborted && deadline - now() >= delay + MIN_ATTEMPT_IN_MS;
      const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
      let answer: PublishAnswer;
      try {
        answer = await transport(url, { headers, body, timeoutInMs: Math.max(1, deadline - now()), ...(signal ? { signal } : {}) });
      } catch (error) {
        if (mayRetry()) {
          await sleep(delay);
          continue;
        }
        throw new EventGridPublishError(`Publishing to topic ${options.topic} failed${tries}: ${(error as Error).message}`, undefined, { cause: error });
      }
      if (answer.status >= 200 && answer.status < 300) return;
      if (mayRetry() && (answer.status === 408 || answer.status === 429 || answer.status >= 500)) {
        await sleep(delay);
        continue;
      }
      const hint = answer.status === 401 || answer.status === 403 ? ` (authenticated with ${authName})` : "";
      throw new EventGridPublishError(
        `Event Grid answered ${answer.status} to a publish to topic ${options.topic}${hint}${tries}: ${answer.text.slice(0, 300)}`,
        answer.status,
      );
    }
  };

  return {
    async sendEvents(events, sendOptions) {
      for (const body of serializeInRequests(events)) await post(body, sendOptions?.abortSignal);
    },
  };
};

/** JSON array bodies within Event Grid's per-request limits; an event too large for any request is refused here. */
export const serializeInRequests = (events: readonly CloudEventEnvelope[]): string[] => {
  const bodies: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const event of events) {
    const json = JSON.stringify(event.datacontenttype === undefined ? { ...event, datacontenttype: "application/json" } : event);
    const size = Buffer.byteLength(json, "utf8") + 1;
    if (size + 2 > MAX_REQUEST_BYTES) {
      throw new EventGridPublishError(`Event ${event.id} is ${size} bytes; Event Grid takes at most 1 MB per event`, undefined);
    }
    if (parts.length > 0 && (bytes + size > MAX_REQUEST_BYTES || parts.length >= MAX_EVENTS_PER_REQUEST)) {
      bodies.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) bodies.push(`[${parts.join(",")}]`);
  return bodies;
};

const withApiVersion = (endpoint: string): URL => {
  const url = new URL(endpoint);
  if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", EVENT_GRID_API_VERSION);
  return url;
};

/**
 * A token from the credential, kept until shortly before it expires (or until the credential's own refresh hint);
 * concurrent callers share one request for a new token, so a burst of publishes asks Entra ID once.
 */
export const createTokenCache = (
  credential: TokenCredential,
  scope: string,
  now: () => number = Date.now,
): (() => Promise<string>) => {
  let cached: AccessToken | undefined;
  let inFlight: Promise<AccessToken> | undefined;
  const freshToken = (): string | undefined =>
    cached && now() < Math.min(cached.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_IN_MS, cached.refreshAfterTimestamp ?? Infinity)
      ? cached.token
      : undefined;
  return async () => {
    const fresh = freshToken();
    if (fresh !== undefined) return fresh;
    inFlight ??= Promise.resolve()
      .then(() => credential.getToken(scope))
      .then((token) => {
        if (!token) throw new Error(`The credential returned no token for ${scope}`);
        cached = token;
        return token;
      })
      .finally(() => {
        inFlight = undefined;
      });
    try {
      return (await inFlight).token;
    } catch (error) {
      // A refresh that fails while the old token still works must not stop publishing; Entra ID is asked again next time.
      if (cached && now() < cached.expiresOnTimestamp - 30_000) return cached.token;
      throw new EventGridPublishError(`No Microsoft Entra token for Event Grid (${scope}): ${(error as Error).message}`, undefined, { cause: error });
    }
  };
};
