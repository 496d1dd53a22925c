import { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { AppConfig } from "#src/platform/config";
import { problemFromError } from "#src/platform/http";
import { IdGenerator } from "#src/platform/ids";
import { ServiceRuntime } from "#src/platform/runtime";
import { HttpHandler } from "#src/platform/serviceModule";
import { ServiceName } from "#src/topology";
import { fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

/** A service's runtime over the in-memory store, a recording publisher, the fixed clock and counting ids. */
export const testRuntime = <P>(service: ServiceName, ports: P, store = createInMemoryStore(), publisher = recordingPublisher()) => {
  let n = 0;
  const ids: IdGenerator = { newId: () => `generated-${++n}` };
  const runtime: ServiceRuntime<P> = { service, config: {} as AppConfig, store, publisher, ports, clock: () => fixedNow, ids };
  return { runtime, store, publisher };
};

export interface TestRequest {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly params?: Record<string, string>;
}

/** Calls a handler as the registered function does: errors become problem documents. */
export const callHttp = async <P>(handler: HttpHandler<P>, request: TestRequest, runtime: ServiceRuntime<P>): Promise<HttpResponseInit & { body: any }> => {
  const httpRequest = new HttpRequest({
    method: request.method,
    url: request.url,
    headers: { "content-type": "application/json", ...request.headers },
    params: request.params ?? {},
    ...(request.body === undefined ? {} : { body: { string: typeof request.body === "string" ? request.body : JSON.stringify(request.body) } }),
  });
  const context = new InvocationContext({ functionName: "test", logHandler: () => undefined });
  let response: HttpResponseInit;
  try {
    response = await handler(httpRequest, runtime, context);
  } catch (error) {
    response = problemFromError(error);
  }
  return { ...response, body: response.jsonBody };
};
