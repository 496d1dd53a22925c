import { MAX_JSON_NESTING, jsonTextDepth } from "@azure-choreography/server-kit";
import type { PlainHttpResponse } from "./httpBinding";
import type { InvocationOutcome } from "./invoker";
import type { RegisteredFunction } from "./registry";

export interface EventGridWebhookRequest {
  readonly method: string;
  readonly functionName: string | null;
  /** The `aeg-event-type` header. */
  readonly eventType: string | undefined;
  /** The `WebHook-Request-Origin` header of a CloudEvents abuse-protection handshake (OPTIONS). */
  readonly requestOrigin: string | undefined;
  readonly body: Buffer;
}

export interface EventGridWebhookDeps {
  findFunction(name: string): RegisteredFunction | undefined;
  invokeEvent(fn: RegisteredFunction, event: unknown): Promise<InvocationOutcome>;
}

const text = (status: number, body = ""): PlainHttpResponse => ({
  status,
  headers: body ? { "content-type": "text/plain; charset=utf-8" } : {},
  body: Buffer.from(body, "utf8"),
});

const isEventGridTrigger = (fn: RegisteredFunction): boolean => fn.triggerType.toLowerCase() === "eventgridtrigger";

const parseJson = (body: Buffer): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8").replace(/^\uFEFF/, "")) };
  } catch {
    return { ok: false };
  }
};

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** Array → the first event's data; object (CloudEvents) → its data, which Event Grid may double-encode as a string. */
const validationCode = (payload: unknown): string | undefined => {
  const event = Array.isArray(payload) ? asObject(payload[0]) : asObject(payload);
  let data = event?.data;
  if (typeof data === "string") {
    const parsed = parseJson(Buffer.from(data, "utf8"));
    data = parsed.ok ? parsed.value : undefined;
  }
  const code = asObject(data)?.validationCode;
  return typeof code === "string" || typeof code === "number" ? String(code) : undefined;
};

/** The Event Grid clouds' origins; the extension echoes one of these and answers any other with the public cloud's. */
const EVENT_GRID_ORIGINS = new Set(["eventgrid.azure.net", "eventgrid.azure.us", "eventgrid.azure.eaglex.ic.gov", "eventgrid.azure.microsoft.scloud", "eventgrid.azure.cn"]);

/**
 * As HttpRequestProcessor.GetAllowedOriginResponseHeader in Microsoft.Azure.WebJobs.Extensions.EventGrid: never `*`
 * and never an arbitrary caller's origin, so the endpoint cannot be enrolled as a webhook by another sender.
 */
export const allowedOrigin = (requestOrigin: string | undefined): string =>
  requestOrigin !== undefined && EVENT_GRID_ORIGINS.has(requestOrigin) ? requestOrigin : "eventgrid.azure.net";

/**
 * `POST /runtime/webhooks/EventGrid?functionName=<name>`, answered as the Event Grid extension of the Functions
 * host answers it: the function is looked up first (404), then `aeg-event-type` decides.
 */
export const handleEventGridWebhook = async (
  request: EventGridWebhookRequest,
  deps: EventGridWebhookDeps,
): Promise<PlainHttpResponse> => {
  const name = request.functionName ?? "";
  const fn = name ? deps.findFunction(name) : undefined;
  if (!fn || !isEventGridTrigger(fn)) return text(404, `cannot find function: '${name}'`);

  if (request.method === "OPTIONS") {
    return { status: 200, headers: { "webhook-allowed-origin": allowedOrigin(request.requestOrigin) }, body: Buffer.alloc(0) };
  }

  const eventType = (request.eventType ?? "").toLowerCase();
  if (eventType === "unsubscribe") return text(202);
  if (eventType !== "subscriptionvalidation" && eventType !== "notification") return text(400);

  // Before anything recursive sees it: a hostile body is a client error, never a host crash or a 500 to retry.
  if (jsonTextDepth(request.body.toString("utf8"), MAX_JSON_NESTING) > MAX_JSON_NESTING) {
    return text(400, `The request content is nested deeper than ${MAX_JSON_NESTING} levels.`);
  }
  const parsed = parseJson(request.body);
  if (!parsed.ok) return text(400, "The request content is not valid JSON.");

  if (eventType === "subscriptionvalidation") {
    const code = validationCode(parsed.value);
    if (code === undefined) return text(400, "The subscription validation event has no data.validationCode.");
    return {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: Buffer.from(JSON.stringify({ validationResponse: code }), "utf8"),
    };
  }

  const events = Array.isArray(parsed.value) ? parsed.value : asObject(parsed.value) ? [parsed.value] : undefined;
  if (!events) return text(400, "The request content should be a JSON object or array.");
  // The extension runs every event of a delivery (concurrently) and fails the whole delivery if any failed, so
  // Event Grid retries all of them. Here they run one after another: same outcome, deterministic order.
  let failed = false;
  for (const event of events) {
    const outcome = await deps.invokeEvent(fn, event);
    if (!outcome.succeeded) failed = true;
  }
  return failed ? text(500, `Exception while executing function: Functions.${fn.name}`) : text(202);
};
