import { MAX_JSON_NESTING, jsonTextDepth, valueDepth } from "@azure-choreography/server-kit";
import { badRequest, tooLarge } from "./errors";
import type { EmulatorCloudEvent } from "./types";

/** Event Grid's limits for a custom topic: 1 MB per event and per request, 5,000 events per request. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
export const MAX_EVENT_BYTES = 1024 * 1024;
export const MAX_EVENTS_PER_REQUEST = 5000;
/**
 * The emulator's own limit (Event Grid documents none): an event's `data` may nest objects and arrays 64 levels
 * deep, as System.Text.Json's and Json.NET's default MaxDepth allow, so what passes here also parses in a .NET host.
 */
export const MAX_DATA_DEPTH = 64;

const CONTEXT_ATTRIBUTES = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "dataschema",
  "data",
  "data_base64",
]);
const OPTIONAL_STRING_ATTRIBUTES = ["subject", "time", "datacontenttype", "dataschema"] as const;
// CloudEvents 1.0: lower-case ASCII letters and digits; names over 20 characters are not portable, so refuse them here
// rather than discover it on another broker.
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;

const BATCH_CONTENT_TYPE = "application/cloudevents-batch+json";
const SINGLE_CONTENT_TYPE = "application/cloudevents+json";

/**
 * Parses and validates one publish request as a CloudEvents topic would: the batch content type carries an array,
 * the structured one a single event. Throws `EventGridEmulatorError` naming the first problem; nothing of a refused
 * request is delivered, so callers must not act on a partial result.
 */
export function parsePublishRequest(body: Buffer, contentType: string | undefined): EmulatorCloudEvent[] {
  if (body.length > MAX_REQUEST_BYTES) {
    throw tooLarge(`The request is ${body.length} bytes; the limit is ${MAX_REQUEST_BYTES} bytes.`);
  }
  const text = body.toString("utf8");
  if (jsonTextDepth(text, MAX_JSON_NESTING) > MAX_JSON_NESTING) {
    throw badRequest(`The request body is nested deeper than ${MAX_DATA_DEPTH} levels in 'data' allow (the emulator refuses over ${MAX_JSON_NESTING} levels unread).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === BATCH_CONTENT_TYPE && !Array.isArray(parsed)) {
    throw badRequest(`An ${BATCH_CONTENT_TYPE} body must be a JSON array of CloudEvents.`);
  }
  if (mediaType === SINGLE_CONTENT_TYPE && (Array.isArray(parsed) || !isObject(parsed))) {
    throw badRequest(`An ${SINGLE_CONTENT_TYPE} body must be one CloudEvent object.`);
  }
  if (!Array.isArray(parsed) && !isObject(parsed)) {
    throw badRequest("The request body must be a CloudEvent object or an array of CloudEvents.");
  }
  const items: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) {
    throw badRequest("The request contains no events.");
  }
  if (items.length > MAX_EVENTS_PER_REQUEST) {
    throw badRequest(`The request has ${items.length} events; the limit is ${MAX_EVENTS_PER_REQUEST}.`);
  }
  return items.map((item, index) => validateEvent(item, index));
}

function validateEvent(item: unknown, index: number): EmulatorCloudEvent {
  const at = `Event at index ${index}`;
  if (!isObject(item)) {
    throw badRequest(`${at} is not a JSON object.`);
  }
  if (item["specversion"] !== "1.0") {
    throw badRequest(`${at}: 'specversion' must be "1.0".`);
  }
  for (const name of ["id", "source", "type"] as const) {
    const value = item[name];
    if (typeof value !== "string" || value.length === 0) {
      throw badRequest(`${at}: required attribute '${name}' is missing or not a non-empty string.`);
    }
  }
  for (const name of OPTIONAL_STRING_ATTRIBUTES) {
    if (item[name] !== undefined && item[name] !== null && typeof item[name] !== "string") {
      throw badRequest(`${at}: attribute '${name}' must be a string.`);
    }
  }
  const time = item["time"];
  if (typeof time === "string" && Number.isNaN(Date.parse(time))) {
    throw badRequest(`${at}: 'time' is not an RFC 3339 timestamp: ${time}`);
  }
  if (item["data"] !== undefined && item["data_base64"] !== undefined) {
    throw badRequest(`${at}: 'data' and 'data_base64' are mutually exclusive.`);
  }
  if (valueDepth(item["data"], MAX_DATA_DEPTH) > MAX_DATA_DEPTH) {
    throw badRequest(`${at}: 'data' is nested deeper than ${MAX_DATA_DEPTH} levels, the emulator's limit.`);
  }
  for (const name of Object.keys(item)) {
    if (!CONTEXT_ATTRIBUTES.has(name) && !EXTENSION_NAME.test(name)) {
      throw badRequest(
        `${at}: extension attribute name '${name}' is invalid; use 1-20 lower-case letters or digits (CloudEvents 1.0).`,
      );
    }
  }
  const size = Buffer.byteLength(JSON.stringify(item), "utf8");
  if (size > MAX_EVENT_BYTES) {
    throw tooLarge(`${at} is ${size} bytes; the limit is ${MAX_EVENT_BYTES} bytes.`);
  }
  return item as EmulatorCloudEvent;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
