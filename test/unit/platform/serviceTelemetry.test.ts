import { format } from "node:util";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { HttpRequest, InvocationContext, LogHookContext } from "@azure/functions";
import type { FunctionHandler, LogHookHandler, LogLevel } from "@azure/functions";
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import type { HistogramMetricData } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { PerServiceTelemetry, ResourceExporters, createPerServiceTelemetry } from "#src/platform/otlpExport";
import { HOP_DURATION_METRIC } from "#src/platform/reactionTelemetry";
import { registerServices } from "#src/platform/registerServices";
import { useTelemetryProviders } from "#src/platform/serviceTelemetry";
import { setupTelemetry } from "#src/platform/telemetry";
import { manifest } from "#src/topology";
import { serviceModules } from "#src/services";
import { anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

/**
 * Locally one host runs every service, exporting over OTLP to the trace viewer. What a person sees there must still
 * read like the choreography: each service its own resource, each reaction a `process <event type>` span with its
 * outcome, its log lines in its trace, and one hop-duration point per reaction.
 */
describe("per-service telemetry of one host running several services", () => {
  const spans = new InMemorySpanExporter();
  const logRecords = new InMemoryLogRecordExporter();
  const metricReaders = new Map<string, PeriodicExportingMetricReader>();
  const exportersFor = (service: string): ResourceExporters => {
    const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
    metricReaders.set(service, reader);
    return { spans: new SimpleSpanProcessor(spans), logs: new SimpleLogRecordProcessor(logRecords), metrics: reader };
  };
  const handlers = new Map<string, FunctionHandler>();
  const logHooks: LogHookHandler[] = [];
  let telemetry: PerServiceTelemetry;

  /** Calls a function as the Node worker does: each context.log line runs the app's log hooks with its invocation. */
  const invoke = async (functionName: string, input: unknown, invocationId: string) => {
    const current: { invocation?: InvocationContext } = {};
    const worker = (level: LogLevel, ...args: unknown[]): void => {
      for (const hook of logHooks) hook(new LogHookContext({ level, category: "user", message: format(...args), invocationContext: current.invocation }));
    };
    current.invocation = new InvocationContext({ functionName, invocationId, logHandler: worker });
    return handlers.get(functionName)!(input, current.invocation);
  };
  const spansNamed = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.name === name);
  const serviceOf = (span: { resource: { attributes: Record<string, unknown> } }) => span.resource.attributes["service.name"];

  beforeAll(() => {
    telemetry = createPerServiceTelemetry("functions-host", exportersFor);
    useTelemetryProviders(telemetry);
    setupTelemetry({ setup: () => undefined, hook: { preInvocation: () => undefined, log: (h: LogHookHandler) => void logHooks.push(h) } } as never, "otlp");
    const record = (name: string, options: { handler: FunctionHandler }) => void handlers.set(name, options.handler);
    const store = createInMemoryStore();
    const publisher = recordingPublisher();
    const runtime = (service: string) => ({ service, store, publisher, ports: {}, clock: () => fixedNow, ids: { newId: () => "x" } }) as never;
    registerServices({ http: record, eventGrid: record, timer: record } as never, manifest, ["invoicing", "orders"], serviceModules, runtime);
  });
  afterAll(async () => {
    await telemetry.shutdown();
    useTelemetryProviders(undefined);
    trace.disable();
    context.disable();
  });

  const paymentConfirmed = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" }, {
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  });

  it("names a reaction's span `process <event type>` per the messaging conventions, under its service's resource, with its outcome", async () => {
    await invoke("invoicing-sendInvoiceWhenPaymentConfirmed", paymentConfirmed, "inv-1");

    const [span] = spansNamed("process Payments.PaymentConfirmed.v1");
    expect(span).toBeDefined();
    expect(span!.kind).toBe(SpanKind.CONSUMER);
    expect(serviceOf(span!)).toBe("invoicing");
    expect(span!.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(span!.attributes).toMatchObject({
      "messaging.system": "eventgrid",
      "messaging.operation.type": "process",
      "messaging.operation": "process",
      "messaging.destination.name": "Payments.PaymentConfirmed.v1",
      "messaging.destination.subscription.name": "invoicing-sendInvoiceWhenPaymentConfirmed",
      "messaging.message.id": paymentConfirmed.id,
      "cloudevents.event_type": "Payments.PaymentConfirmed.v1",
      "faas.invocation_id": "inv-1",
      "choreography.correlation_id": "flow-1",
      "choreography.outcome": "handled",
      "choreography.published": ["Invoicing.InvoiceSent.v1"],
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("puts an HTTP command's span under its own service's resource, not the host's", async () => {
    const request = new HttpRequest({
      method: "POST",
      url: "http://localhost/api/orders",
      headers: { "content-type": "application/json" },
      body: { string: JSON.stringify({ customerId: "c", items: [{ sku: "A", quantity: 1, unitPrice: 1 }], currency: "EUR", paymentToken: "tok_visa" }) },
    });
    await invoke("orders-placeOrder", request, "inv-http");
    const [span] = spansNamed("orders-placeOrder");
    expect(serviceOf(span!)).toBe("orders");
    expect(span!.kind).toBe(SpanKind.SERVER);
  });

  it("marks a redelivery as a duplicate on its span", async () => {
    await invoke("invoicing-sendInvoiceWhenPaymentConfirmed", paymentConfirmed, "inv-2");
    const outcomes = spansNamed("process Payments.PaymentConfirmed.v1").map((s) => s.attributes["choreography.outcome"]);
    expect(outcomes).toEqual(["handled", "duplicate"]);
  });

  it("marks a parked poison event on its span and as an error, though the delivery succeeds", async () => {
    const poison = { ...anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-2", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" }), data: { nonsense: true } };
    await invoke("invoicing-sendInvoiceWhenPaymentConfirmed", poison, "inv-3");
    const span = spansNamed("process Payments.PaymentConfirmed.v1").find((s) => s.attributes["faas.invocation_id"] === "inv-3");
    expect(span?.attributes["choreography.outcome"]).toBe("poisoned");
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("keeps a hostile event's type out of span names: an unrouted type is named as such", async () => {
    const hostile = { ...paymentConfirmed, id: "evt-hostile", type: "Anything.At.All" };
    await invoke("invoicing-sendInvoiceWhenPaymentConfirmed", hostile, "inv-4");
    const span = spans.getFinishedSpans().find((s) => s.attributes["faas.invocation_id"] === "inv-4");
    expect(span?.name).toBe("process (unrouted type)");
  });

  it("turns a reaction's context.log line into a log record in the reaction's trace, under its service's resource", async () => {
    const records = logRecords.getFinishedLogRecords().filter((r) => typeof r.body === "string" && r.body.includes(paymentConfirmed.id) && r.attributes["faas.invocation_id"] === "inv-1");
    expect(records.length).toBeGreaterThan(0);
    const [reactionSpan] = spansNamed("process Payments.PaymentConfirmed.v1");
    for (const r of records) {
      expect(r.spanContext?.traceId).toBe(reactionSpan!.spanContext().traceId);
      expect(r.spanContext?.spanId).toBe(reactionSpan!.spanContext().spanId);
      expect(serviceOf(r)).toBe("invoicing");
    }
  });

  it("records each hop's cause-to-effect time per event type, reaction and outcome, under the reaction's service", async () => {
    const collected = await metricReaders.get("invoicing")!.collect();
    const metric = collected.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === HOP_DURATION_METRIC) as HistogramMetricData | undefined;
    expect(metric?.descriptor.unit).toBe("ms");
    expect(serviceOf(collected.resourceMetrics)).toBe("invoicing");
    const points = metric!.dataPoints.map((p) => ({ attributes: p.attributes, count: p.value.count, sum: p.value.sum }));
    // The event's time (2026-01-01T00:00Z) to the reaction's clock (fixedNow).
    const hop = fixedNow.getTime() - Date.parse(paymentConfirmed.time);
    const attributes = (outcome: string) => ({ "event.type": "Payments.PaymentConfirmed.v1", reaction: "invoicing-sendInvoiceWhenPaymentConfirmed", outcome });
    expect(points).toEqual(
      expect.arrayContaining([
        { attributes: attributes("handled"), count: 1, sum: hop },
        { attributes: attributes("duplicate"), count: 1, sum: hop },
        { attributes: attributes("poisoned"), count: 1, sum: hop },
      ]),
    );
  });
});
