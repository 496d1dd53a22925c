import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { AppError, ConcurrencyConflictError, TransientError, ValidationError } from "./errors";

/** Request bodies of this API are small; anything larger is refused before parsing. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  jsonBody: body,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
});

/** RFC 9457 problem details; `code` is the stable error code clients can switch on. */
export const problem = (
  status: number,
  code: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): HttpResponseInit => ({
  status,
  jsonBody: { type: `urn:problem:${code}`, title, status, code, detail, ...extra },
  headers: { "content-type": "application/problem+json; charset=utf-8" },
});

const titles: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
};

/** 503 with `Retry-After: 1`: a condition a retry a moment later gets past. */
const retryShortly = (code: string, detail: string): HttpResponseInit => {
  const response = problem(503, code, "Service Unavailable", detail);
  return { ...response, headers: { ...(response.headers as Record<string, string>), "retry-after": "1" } };
};

export const problemFromError = (error: unknown): HttpResponseInit => {
  if (error instanceof AppError) {
    return problem(error.status, error.code, titles[error.status] ?? "Error", error.message, error.details ?? {});
  }
  if (error instanceof ConcurrencyConflictError) {
    // Lost optimistic-concurrency races many times in a row: the resource is hot, and a retry will succeed.
    return retryShortly(error.code, "The resource is being changed concurrently; retry shortly.");
  }
  if (isTransientDependencyFailure(error)) {
    return retryShortly("DEPENDENCY.UNAVAILABLE", "The store could not be reached or was busy; retry shortly, with the same Idempotency-Key so a write that did land is not made twice.");
  }
  // Never a stack trace to a client: the details are in the log, correlated by the invocation id.
  return problem(500, "INTERNAL", "Internal Server Error", "The request failed unexpectedly; it was logged.");
};

/** Codes Node and the Azure SDKs' HTTP pipeline give a request the network failed under. */
const NETWORK_FAILURE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "REQUEST_SEND_ERROR"]);

/**
 * A dependency (Cosmos DB through `@azure/cosmos`) failed in a way a retry can get past: throttled or unavailable
 * after the SDK's own retries (429, 449, 503), timed out (408), or the connection failed (the SDK retries that for
 * reads only, never for a write, whose fate it cannot know).
 */
export const isTransientDependencyFailure = (error: unknown): boolean => {
  if (error instanceof TransientError) return true;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === "number") return code === 408 || code === 429 || code === 449 || code === 503;
  return typeof code === "string" && NETWORK_FAILURE_CODES.has(code);
};

export const zodFields = (error: z.ZodError): { path: string; message: string }[] =>
  error.issues.map((i) => ({ path: i.path.length > 0 ? i.path.join(".") : "(body)", message: i.message }));

/** `application/json` or a `+json` type, with any parameters (charset); matched case-insensitively. */
const jsonMediaType = /^application\/([a-z0-9.-]+\+)?json\s*(;|$)/i;

/**
 * Reads and validates a JSON body: 415 unless it is declared JSON, 413 when too large, 400 naming every invalid field
 * otherwise. The content type is checked first so a form post or text body never writes anything.
 */
export const readJsonBody = async <S extends z.ZodType>(request: HttpRequest, schema: S): Promise<z.infer<S>> => {
  const contentType = request.headers.get("content-type") ?? "";
  if (!jsonMediaType.test(contentType.trim())) {
    throw new AppError(
      "REQUEST.UNSUPPORTED_MEDIA_TYPE",
      415,
      `The body must be sent as application/json (got ${contentType.trim() === "" ? "no content-type" : JSON.stringify(contentType.slice(0, 100))})`,
    );
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_REQUEST_BODY_BYTES) {
    throw new AppError("REQUEST.TOO_LARGE", 413, `Request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`);
  }
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_REQUEST_BODY_BYTES) {
    throw new AppError("REQUEST.TOO_LARGE", 413, `Request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ValidationError("Request body is not valid JSON", [{ path: "(body)", message: "invalid JSON" }]);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const fields = zodFields(parsed.error);
    throw new ValidationError(`Invalid request: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`, fields);
  }
  return parsed.data;
};

/** Validates a route or header value with a schema; a bad value is a 400 naming the parameter. */
export const readParam = <S extends z.ZodType>(name: string, value: string | null | undefined, schema: S): z.infer<S> => {
  const parsed = schema.safeParse(value ?? undefined);
  if (!parsed.success) {
    const fields = zodFields(parsed.error).map((f) => ({ path: name, message: f.message }));
    throw new ValidationError(`Invalid ${name}: ${fields.map((f) => f.message).join("; ")}`, fields);
  }
  return parsed.data;
};

/** Ids in routes: short, URL-safe, and never able to smuggle a Cosmos id separator. */
export const routeIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "must be 1–100 letters, digits, . _ : -");

/** `Idempotency-Key` header values: what clients commonly send (UUIDs, opaque tokens), nothing that needs escaping. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, "must be 1–200 visible ASCII characters");
