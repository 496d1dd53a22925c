import { TransientError } from "./errors";

/** Options of every call a port makes to an outside system. */
export interface OutsideCallOptions {
  /**
   * Sent as `Idempotency-Key` and derived from the event being handled: the outside system answers a repeated key with
   * its first answer and never acts twice, which is what makes Event Grid's redeliveries safe.
   */
  readonly idempotencyKey: string;
  readonly abortSignal?: AbortSignal;
}

export interface JsonCall {
  /** Named in error messages: "Bank answered 503". */
  readonly system: string;
  readonly method: "GET" | "POST" | "PUT";
  readonly url: string;
  /** Sent as JSON; omitted for GET. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Must stay well under Event Grid's 30 s delivery timeout, or Event Grid retries while the first call still runs. */
  readonly timeoutInMs: number;
  readonly abortSignal?: AbortSignal;
  /** Statuses besides 408, 429 and 5xx that mean "try again later" for this API. */
  readonly alsoTransient?: readonly number[];
  readonly fetch?: typeof fetch;
}

export interface JsonAnswer {
  readonly status: number;
  /** The parsed JSON body, or `{ message }` holding the start of a non-JSON body. */
  readonly body: unknown;
  readonly text: string;
}

/**
 * One call to an outside system's JSON API. Network failures, timeouts, 408, 429 and 5xx throw TransientError, so the
 * reaction's delivery is retried by Event Grid (the idempotency key makes the retry safe); every other answer is
 * returned for the adapter to interpret.
 */
export const callJsonApi = async (call: JsonCall): Promise<JsonAnswer> => {
  const timeout = AbortSignal.timeout(call.timeoutInMs);
  let response: Response;
  try {
    response = await (call.fetch ?? fetch)(call.url, {
      method: call.method,
      headers: call.method === "GET" ? { ...call.headers } : { "content-type": "application/json", ...call.headers },
      ...(call.method === "GET" ? {} : { body: JSON.stringify(call.body) }),
      signal: call.abortSignal ? AbortSignal.any([timeout, call.abortSignal]) : timeout,
    });
  } catch (error) {
    // A timeout may mean the call succeeded and answered late: the retry's same idempotency key gets that answer back.
    throw new TransientError(`${call.system} unreachable or too slow (${call.timeoutInMs} ms): ${(error as Error).message}`, { cause: error });
  }
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408 || call.alsoTransient?.includes(response.status)) {
    throw new TransientError(`${call.system} answered ${response.status}`);
  }
  return { status: response.status, body, text };
};
