import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { RpcHttpData } from "./coreTypes";
import { handleEventGridWebhook } from "./eventGridWebhook";
import {
  type FunctionSummary,
  httpMethodsOf,
  httpRouteOf,
  isDisabled,
  isEventGridTrigger,
  isHttpTrigger,
  isTimerTrigger,
} from "./functionInfo";
import { fromRpcHttpResponse, httpTriggerMetadata, type PlainHttpResponse, toRpcHttpRequest } from "./httpBinding";
import type { InvocationOutcome, Invoker } from "./invoker";
import type { HostLog } from "./logger";
import type { FunctionRegistry, RegisteredFunction } from "./registry";
import { compareRoutes, compileRoute, type CompiledRoute } from "./routes";
import { eventGridInput, sysMetadata, timerInput } from "./triggerData";

/** The Functions host's default request body limit (`maxRequestBodySize`), 100 MB. */
export const maxRequestBodyBytes = 104_857_600;

const hostApiReason = "This function was programmatically called via the host APIs.";

export interface RequestHandlerDeps {
  readonly registry: FunctionRegistry;
  readonly invoker: Invoker;
  readonly routePrefix: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: HostLog;
  readonly now: () => Date;
  readonly startedAt: Date;
  readonly hostVersion: string;
  baseUrl(): string;
  summaries(): FunctionSummary[];
  /** Work that outlives its request (admin invocations answer 202 at once); close() waits for it. */
  track(work: Promise<unknown>): void;
}

interface HttpRoute {
  readonly fn: RegisteredFunction;
  readonly route: CompiledRoute;
  readonly methods: readonly string[];
}

const json = (status: number, value: unknown): PlainHttpResponse => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: Buffer.from(JSON.stringify(value), "utf8"),
});

const empty = (status: number): PlainHttpResponse => ({ status, headers: {}, body: Buffer.alloc(0) });

/** Unknown routes and wrong methods answer as problem details, so a person trying the API learns what went wrong. */
const problem = (status: 404 | 405, detail: string, allow?: string): PlainHttpResponse => ({
  status,
  headers: { "content-type": "application/problem+json; charset=utf-8", ...(allow ? { allow } : {}) },
  body: Buffer.from(
    JSON.stringify({ type: "about:blank", title: STATUS_CODES[status], status, code: status === 404 ? "HOST.NOT_FOUND" : "HOST.METHOD_NOT_ALLOWED", detail }),
    "utf8",
  ),
});

const notFound = (method: string, path: string): PlainHttpResponse =>
  problem(404, `Nothing answers ${method} ${path}; GET /admin/functions lists the functions and their routes.`);

const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      resolve("too-large");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

// Headers Node computes itself; passing a handler's own would risk a body/length mismatch.
const computedHeaders = new Set(["content-length", "transfer-encoding", "connection"]);

const send = (res: ServerResponse, response: PlainHttpResponse, isHead: boolean): void => {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) {
    if (!computedHeaders.has(name.toLowerCase())) res.setHeader(name, value);
  }
  const noBody = isHead || response.status === 204 || response.status === 304;
  if (!noBody) res.setHeader("content-length", response.body.length);
  res.end(noBody ? undefined : response.body);
};

const httpOutput = (outcome: InvocationOutcome & { succeeded: true }): RpcHttpData | undefined => {
  const { returnValue, outputData } = outcome.response;
  if (returnValue?.http) return returnValue.http;
  return outputData?.find((o) => o.data?.http)?.data?.http ?? undefined;
};

export const createRequestHandler = (deps: RequestHandlerDeps) => {
  const functions = (): RegisteredFunction[] => [...deps.registry.functions.values()];
  const routes: HttpRoute[] = functions()
    .filter((fn) => isHttpTrigger(fn) && !isDisabled(fn, deps.env))
    .flatMap((fn) => {
      try {
        return [{ fn, route: compileRoute(httpRouteOf(fn)), methods: httpMethodsOf(fn) }];
      } catch (error) {
        // As on the real host, a bad route puts that one function in error; the others still serve.
        deps.log("error", `The '${fn.name}' function is in error: ${(error as Error).message}`);
        return [];
      }
    })
    .sort((a, b) => compareRoutes(a.route, b.route));
  const prefix = deps.routePrefix ? `/${deps.routePrefix.toLowerCase()}` : "";

  const findFunction = (name: string): RegisteredFunction | undefined =>
    deps.registry.functions.get(name) ?? functions().find((fn) => fn.name.toLowerCase() === name.toLowerCase());

  const invokeEvent = (fn: RegisteredFunction, event: unknown, reason: string): Promise<InvocationOutcome> => {
    const input = eventGridInput(fn.name, event, deps.now());
    const flow = (event as { correlationid?: unknown } | null)?.correlationid;
    return deps.invoker.invoke({ fn, ...input, reason, ...(typeof flow === "string" ? { flow: flow.slice(0, 200) } : {}) });
  };

  const invokeFromAdmin = (fn: RegisteredFunction, input: unknown): Promise<InvocationOutcome> => {
    const now = deps.now();
    if (isTimerTrigger(fn)) {
      const timer = timerInput({ functionName: fn.name, now, last: undefined, next: undefined, isPastDue: false });
      return deps.invoker.invoke({ fn, ...timer, reason: hostApiReason });
    }
    const text = typeof input === "string" ? input : input === undefined ? "" : JSON.stringify(input);
    if (isEventGridTrigger(fn)) {
      let event: unknown = text;
      try {
        event = JSON.parse(text);
      } catch {
        // Not JSON: the function gets the string, as the host would bind it.
      }
      return invokeEvent(fn, event, hostApiReason);
    }
    return deps.invoker.invoke({ fn, data: { string: text }, triggerMetadata: sysMetadata(fn.name, now), reason: hostApiReason });
  };

  const admin = (method: string, path: string, body: Buffer): PlainHttpResponse | undefined => {
    if (path === "/admin/host/status") {
      if (method !== "GET") return empty(405);
      const uptime = Date.now() - deps.startedAt.getTime();
      return json(200, { id: "local", state: "Running", version: deps.hostVersion, processUptime: uptime });
    }
    if (path === "/admin/functions") return method === "GET" ? json(200, deps.summaries()) : empty(405);
    const match = /^\/admin\/functions\/([^/]+)$/i.exec(path);
    if (!match) return undefined;
    const fn = findFunction(decodeURIComponent(match[1] ?? ""));
    if (!fn) return empty(404);
    if (method === "GET") return json(200, deps.summaries().find((s) => s.name === fn.name));
    if (method !== "POST") return empty(405);
    if (isHttpTrigger(fn)) return json(400, { error: `'${fn.name}' is HTTP-triggered: call its route instead.` });
    let input: unknown;
    try {
      input = body.length > 0 ? (JSON.parse(body.toString("utf8")) as { input?: unknown }).input : undefined;
    } catch {
      return json(400, { error: "The body must be JSON like {\"input\": \"...\"}." });
    }
    // The host answers 202 at once and runs the function in the background.
    deps.track(invokeFromAdmin(fn, input));
    return empty(202);
  };

  const invokeHttp = async (req: IncomingMessage, url: URL, body: Buffer): Promise<PlainHttpResponse> => {
    const lower = url.pathname.toLowerCase();
    const method = (req.method ?? "GET").toUpperCase();
    if (prefix && lower !== prefix && !lower.startsWith(`${prefix}/`)) return notFound(method, url.pathname);
    const routePath = url.pathname.slice(prefix.length);
    for (const candidate of routes) {
      if (!candidate.methods.includes(method)) continue;
      const params = candidate.route.match(routePath);
      if (!params) continue;
      const rpc = toRpcHttpRequest({ method, url, headers: req.headers, params, body });
      const traceparent = req.headers.traceparent;
      const outcome = await deps.invoker.invoke({
        fn: candidate.fn,
        data: { http: rpc },
        triggerMetadata: { ...httpTriggerMetadata(rpc), ...sysMetadata(candidate.fn.name, deps.now()) },
        parentTraceParent: typeof traceparent === "string" ? traceparent : undefined,
        reason: hostApiReason,
      });
      // The host turns a failed invocation into a bare 500: nothing of the exception reaches the client.
      return outcome.succeeded ? fromRpcHttpResponse(httpOutput(outcome)) : empty(500);
    }
    // `func` answers a wrong method with a bare 404, like an unknown route; here the allowed methods are named.
    const allowed = [...new Set(routes.filter((r) => r.route.match(routePath) !== undefined).flatMap((r) => r.methods))].sort();
    if (allowed.length > 0) return problem(405, `${url.pathname} answers ${allowed.join(", ")}, not ${method}.`, allowed.join(", "));
    return notFound(method, url.pathname);
  };

  const route = async (req: IncomingMessage, url: URL, body: Buffer): Promise<PlainHttpResponse> => {
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const lower = path.toLowerCase();
    if (lower === "/runtime/webhooks/eventgrid") {
      const eventType = req.headers["aeg-event-type"];
      const origin = req.headers["webhook-request-origin"];
      return handleEventGridWebhook(
        {
          method,
          functionName: url.searchParams.get("functionName"),
          eventType: typeof eventType === "string" ? eventType : undefined,
          requestOrigin: typeof origin === "string" ? origin : undefined,
          body,
        },
        {
          // Like the extension's listener table, the function name is matched exactly.
          findFunction: (name) => deps.registry.functions.get(name),
          invokeEvent: (fn, event) => invokeEvent(fn, event, `EventGrid trigger fired at ${deps.now().toISOString()}`),
        },
      );
    }
    if (lower.startsWith("/admin/")) return admin(method, lowerKeepName(path), body) ?? notFound(method, url.pathname);
    if (path === "/" && (prefix !== "" || routes.every((r) => r.route.match("") === undefined))) {
      return json(200, { name: "local-functions-host", state: "Running", functions: deps.registry.functions.size });
    }
    return invokeHttp(req, url, body);
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const isHead = req.method === "HEAD";
    try {
      const url = new URL(req.url ?? "/", deps.baseUrl());
      const body = await readBody(req, maxRequestBodyBytes);
      if (body === "too-large") {
        res.setHeader("connection", "close");
        send(res, empty(413), isHead);
        return;
      }
      send(res, await route(req, url, body), isHead);
    } catch (error) {
      deps.log("error", `Request ${req.method ?? ""} ${req.url ?? ""} failed in the host: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) send(res, empty(500), isHead);
      else res.destroy();
    }
  };
};

/** Lower-cases the fixed part of an admin path but keeps a function name's case. */
const lowerKeepName = (path: string): string => {
  const match = /^(\/admin\/functions\/)(.+)$/i.exec(path);
  return match ? `/admin/functions/${match[2] ?? ""}` : path.toLowerCase();
};
