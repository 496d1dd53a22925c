import { z } from "zod";
import { parseReply } from "../../dev/apiReplies";
import type { ServiceName } from "../../src/topology";

/** A stack's HTTP APIs as the verifier reaches them: each service's base URL and the headers every call carries. */
export interface ApiTarget {
  /** What the table's header names: `npm start`, a URL, an azd environment. */
  readonly label: string;
  /** `https://<app>.azurewebsites.net` or `http://127.0.0.1:7071`: the service's host, without `/api`. */
  urlOf(service: ServiceName): string;
  /** Authorization and the like; called per request, so a token provider may refresh. */
  headers(): Promise<Record<string, string>>;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

export interface ApiClient {
  call(method: string, service: ServiceName, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** The answer parsed with `schema` when it has `status`, else an error naming the call and what came back. */
  expect<T>(what: string, reply: Reply, status: number, schema: z.ZodType<T>): T;
  /** Polls `GET path` until `done` holds for its answer, or throws after `timeoutInMs` with the last answer. */
  until<T>(what: string, service: ServiceName, path: string, schema: z.ZodType<T>, done: (body: T) => boolean, timeoutInMs: number): Promise<T>;
}

const POLL_INTERVAL_IN_MS = 250;

export const createApiClient = (target: ApiTarget): ApiClient => {
  const call = async (method: string, service: ServiceName, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await fetch(`${target.urlOf(service)}/api/${path}`, {
      method,
      headers: { "content-type": "application/json", ...(await target.headers()), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // Not JSON (an HTML error page of a proxy, say): kept as text for the message.
    }
    return { status: response.status, body: parsed };
  };
  const expect = <T>(what: string, reply: Reply, status: number, schema: z.ZodType<T>): T => {
    if (reply.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${reply.status} ${String(JSON.stringify(reply.body)).slice(0, 300)}`);
    return parseReply(schema, reply.body, what);
  };
  const until = async <T>(what: string, service: ServiceName, path: string, schema: z.ZodType<T>, done: (body: T) => boolean, timeoutInMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutInMs;
    let last: Reply | undefined;
    for (;;) {
      last = await call("GET", service, path);
      if (last.status === 200 && done(parseReply(schema, last.body, `GET ${path}`))) return parseReply(schema, last.body, `GET ${path}`);
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_IN_MS));
    }
    throw new Error(`${what} did not settle within ${Math.round(timeoutInMs / 1000)} s; last: ${last.status} ${String(JSON.stringify(last.body)).slice(0, 300)}`);
  };
  return { call, expect, until };
};
