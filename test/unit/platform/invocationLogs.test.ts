import { format } from "node:util";
import { context, trace } from "@opentelemetry/api";
import { logs } from "@opentelemetry/api-logs";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { InvocationContext, LogHookContext, PreInvocationContext } from "@azure/functions";
import type { FunctionHandler, LogHookHandler, LogLevel, PreInvocationHandler } from "@azure/functions";
import { registerServices } from "#src/platform/registerServices";
import { manifest } from "#src/topology";
import { setupTelemetry } from "#src/platform/telemetry";
import { serviceModules } from "#src/services";
import { anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

/**
 * With WorkerOpenTelemetryEnabled the host stops exporting what the worker logs; a `context.log` line then reaches
 * Application Insights only as a log record the worker exports itself. Here the worker's part is played as the Node
 * worker does it: each `context.log` of an invocation runs the registered log hooks with a LogHookContext.
 */
describe("a reaction's context.log line in Azure (telemetry on)", () => {
  const logExporter = new InMemoryLogRecordExporter();
  const handlers = new Map<string, FunctionHandler>();
  const logHooks: LogHookHandler[] = [];
  const preInvocationHooks: PreInvocationHandler[] = [];
  const functionName = "invoicing-sendInvoiceWhenPaymentConfirmed";
  const invocationTraceId = "0af7651916cd43dd8448eb211c80319c";

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }));
    logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor(logExporter)] }));
    const functionsApp = {
      setup: () => undefined,
      hook: { preInvocation: (h: PreInvocationHandler) => void preInvocationHooks.push(h), log: (h: LogHookHandler) => void logHooks.push(h) },
    } as never;
    setupTelemetry(functionsApp, "azureMonitor");
    const record = (name: string, options: { handler: FunctionHandler }) => void handlers.set(name, options.handler);
    const app = { http: record, eventGrid: record, timer: record } as never;
    const store = createInMemoryStore();
    const runtime = (service: string) => ({ service, store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, ids: { newId: () => "x" } }) as never;
    registerServices(app, manifest, ["invoicing"], serviceModules, runtime);
  });
  afterAll(() => {
    logs.disable();
    trace.disable();
    context.disable();
  });

  it("becomes an exported log record carrying the invocation's trace id, its level and the function's name", async () => {
    const event = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" });
    const current: { invocation?: InvocationContext } = {};
    const worker = (level: LogLevel, ...args: unknown[]): void => {
      const message = format(...args);
      for (const hook of logHooks) hook(new LogHookContext({ level, category: "user", message, invocationContext: current.invocation }));
    };
    const invocationContext = new InvocationContext({
      functionName,
      invocationId: "inv-1",
      traceContext: { traceParent: `00-${invocationTraceId}-b7ad6b7169203331-01`, traceState: "", attributes: {} },
      logHandler: worker,
    });
    current.invocation = invocationContext;
    const pre = new PreInvocationContext({ invocationContext, inputs: [event] });
    pre.functionHandler = handlers.get(functionName)!;
    for (const hook of preInvocationHooks) await hook(pre);
    await pre.functionHandler(event, invocationContext);

    const records = logExporter.getFinishedLogRecords().filter((r) => typeof r.body === "string" && r.body.startsWith(`[flow ${event.correlationid}]`));
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.spanContext?.traceId).toBe(invocationTraceId);
      expect(r.severityText).toBe("information");
      expect(r.attributes).toMatchObject({ "faas.name": functionName, "faas.invocation_id": "inv-1" });
    }
  });
});
