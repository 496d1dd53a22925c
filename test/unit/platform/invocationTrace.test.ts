import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { InvocationContext, PreInvocationContext } from "@azure/functions";
import type { FunctionHandler } from "@azure/functions";
import { registerServices } from "#src/platform/registerServices";
import { manifest } from "#src/topology";
import { continueInvocationTrace, forwardInvocationLog, setupTelemetry } from "#src/platform/telemetry";
import { serviceModules } from "#src/services";
import { anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

// The library's constructor reads `functionCallback` from its init, not the `functionHandler` its types declare.
const preInvocation = (invocationContext: InvocationContext, handler: FunctionHandler, inputs: unknown[]): PreInvocationContext => {
  const hook = new PreInvocationContext({ invocationContext, inputs });
  hook.functionHandler = handler;
  return hook;
};

/**
 * In Azure the host passes each invocation its own trace context; the pre-invocation hook continues it, so the
 * reaction's span is the host invocation's child (host and worker telemetry correlate) and links to the event's trace.
 */
describe("the invocation's trace context", () => {
  const exporter = new InMemorySpanExporter();
  const publisher = recordingPublisher();
  const handlers = new Map<string, FunctionHandler>();
  const functionName = "invoicing-sendInvoiceWhenPaymentConfirmed";
  const invocationTraceId = "11112222333344445555666677778888";
  const invocationSpanId = "aaaabbbbccccdddd";
  const eventTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const record = (name: string, options: { handler: FunctionHandler }) => void handlers.set(name, options.handler);
    const app = { http: record, eventGrid: record, timer: record } as never;
    const store = createInMemoryStore();
    const runtime = (service: string) => ({ service, store, publisher, ports: {}, clock: () => fixedNow, ids: { newId: () => "x" } }) as never;
    registerServices(app, manifest, ["invoicing"], serviceModules, runtime);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it("makes the reaction's span a child of the invocation's trace context, linked to the event's traceparent", async () => {
    const event = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" }, {
      traceparent: `00-${eventTraceId}-00f067aa0ba902b7-01`,
    });
    const invocationContext = new InvocationContext({
      functionName,
      traceContext: { traceParent: `00-${invocationTraceId}-${invocationSpanId}-01`, traceState: "", attributes: {} },
      logHandler: () => undefined,
    });
    const hook = preInvocation(invocationContext, handlers.get(functionName)!, [event]);
    continueInvocationTrace(hook);
    await hook.functionHandler(event, invocationContext);

    const [span] = exporter.getFinishedSpans().filter((s) => s.name === "process Payments.PaymentConfirmed.v1");
    expect(span?.spanContext().traceId).toBe(invocationTraceId);
    expect(span?.parentSpanContext?.spanId).toBe(invocationSpanId);
    expect(span?.links.map((l) => `${l.context.traceId}-${l.context.spanId}`)).toEqual([`${eventTraceId}-00f067aa0ba902b7`]);
    const published = publisher.published.find((e) => e.type === "Invoicing.InvoiceSent.v1");
    expect(published?.traceparent).toBe(`00-${invocationTraceId}-${span?.spanContext().spanId}-01`);
  });

  it("leaves the handler alone when the host sent no valid trace context", () => {
    const handler: FunctionHandler = async () => undefined;
    const invocationContext = new InvocationContext({ functionName, traceContext: { traceParent: "garbage" }, logHandler: () => undefined });
    const hook = preInvocation(invocationContext, handler, []);
    continueInvocationTrace(hook);
    expect(hook.functionHandler).toBe(handler);
  });
});

describe("setupTelemetry", () => {
  it("declares the worker's OpenTelemetry capability and registers the hooks only when telemetry started", () => {
    const app = { setup: jest.fn(), hook: { preInvocation: jest.fn(), log: jest.fn() } };
    setupTelemetry(app as never, undefined);
    expect(app.setup).not.toHaveBeenCalled();
    expect(app.hook.preInvocation).not.toHaveBeenCalled();
    setupTelemetry(app as never, "azureMonitor");
    expect(app.setup).toHaveBeenCalledWith({ capabilities: { WorkerOpenTelemetryEnabled: true } });
    expect(app.hook.preInvocation).toHaveBeenCalledWith(continueInvocationTrace);
    expect(app.hook.log).toHaveBeenCalledWith(forwardInvocationLog);
  });
});
