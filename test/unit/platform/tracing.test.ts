import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { registerServices } from "#src/platform/registerServices";
import { manifest } from "#src/topology";
import { serviceModules } from "#src/services";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

const quiet = (functionName: string) => new InvocationContext({ functionName, logHandler: () => undefined });

/** With an OpenTelemetry SDK registered (as in Azure), one flow becomes one trace whose spans chain event by event. */
describe("tracing across reactions", () => {
  const exporter = new InMemorySpanExporter();
  const store = createInMemoryStore();
  const publisher = recordingPublisher();
  const handlers = new Map<string, (input: unknown, ctx: InvocationContext) => Promise<unknown>>();

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const record = (name: string, options: { handler: (input: unknown, ctx: InvocationContext) => Promise<unknown> }) => void handlers.set(name, options.handler);
    const app = { http: record, eventGrid: record, timer: record } as any;
    const runtime = (service: string) => ({ service, store, publisher, ports: {}, clock: () => fixedNow, ids: { newId: () => "x" } }) as any;
    registerServices(app, manifest, ["invoicing", "orders"], serviceModules, runtime);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it("runs a reaction in a consumer span under the event's traceparent, and publishes events pointing at that span", async () => {
    const incomingTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const event = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" }, {
      traceparent: `00-${incomingTraceId}-00f067aa0ba902b7-01`,
    });
    await handlers.get("invoicing-sendInvoiceWhenPaymentConfirmed")!(event, quiet("invoicing-sendInvoiceWhenPaymentConfirmed"));

    const [span] = exporter.getFinishedSpans().filter((s) => s.name === "process Payments.PaymentConfirmed.v1");
    expect(span).toBeDefined();
    expect(span!.spanContext().traceId).toBe(incomingTraceId);
    expect(span!.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(span!.attributes).toMatchObject({ "cloudevents.event_type": "Payments.PaymentConfirmed.v1", "choreography.correlation_id": "flow-1", "choreography.outcome": "handled" });
    const published = publisher.published.find((e) => e.type === "Invoicing.InvoiceSent.v1");
    expect(published?.traceparent).toBe(`00-${incomingTraceId}-${span!.spanContext().spanId}-01`);
  });

  it("starts an HTTP command's flow under the caller's traceparent", async () => {
    const callerTraceId = "0af7651916cd43dd8448eb211c80319c";
    const request = new HttpRequest({
      method: "POST",
      url: "http://localhost/api/orders",
      headers: { "content-type": "application/json", traceparent: `00-${callerTraceId}-b7ad6b7169203331-01` },
      body: { string: JSON.stringify({ customerId: "c", items: [{ sku: "A", quantity: 1, unitPrice: 1 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID }) },
    });
    const response = (await handlers.get("orders-placeOrder")!(request, quiet("orders-placeOrder"))) as { status: number };
    expect(response.status).toBe(202);
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === "orders-placeOrder");
    expect(span!.spanContext().traceId).toBe(callerTraceId);
    const placed = publisher.published.find((e) => e.type === "Orders.OrderPlaced.v2");
    expect(placed?.traceparent).toBe(`00-${callerTraceId}-${span!.spanContext().spanId}-01`);
  });

  it("records a failed reaction as an error span, and still throws so Event Grid retries", async () => {
    const failing = createInMemoryStore();
    failing.failNextCommitWith = new Error("Cosmos unavailable");
    const original = store.commit;
    store.commit = failing.commit;
    try {
      const event = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-2", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" });
      await expect(handlers.get("invoicing-sendInvoiceWhenPaymentConfirmed")!(event, quiet("invoicing-sendInvoiceWhenPaymentConfirmed"))).rejects.toThrow("Cosmos unavailable");
    } finally {
      store.commit = original;
    }
    const errored = exporter.getFinishedSpans().filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(errored.map((s) => s.name)).toContain("process Payments.PaymentConfirmed.v1");
  });
});
