import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { traceparentFields } from "../src/events/traceparent";
import { listSubscriptions } from "../src/topology";
import type { DeliveryRecord, EmulatorCloudEvent } from "@azure-choreography/eventgrid-emulator";

export interface DeliveryTracing {
  readonly onAttempt: (record: DeliveryRecord, event: EmulatorCloudEvent) => void;
  shutdown(): Promise<void>;
}

/**
 * OTLP/HTTP JSON over `fetch`. The SDK's OTLPTraceExporter loads `http` with a dynamic import, which the jest VM that
 * runs the stack in-process in the integration tests refuses (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG), so the
 * emulator's hops never reached the viewer there; the hosts are child processes and keep the SDK's exporter.
 */
const fetchSpanExporter = (url: string): SpanExporter => ({
  export(spans, done) {
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JsonTraceSerializer.serializeRequest(spans) }).then(
      (response) => done({ code: response.ok ? ExportResultCode.SUCCESS : ExportResultCode.FAILED }),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  },
  shutdown: () => Promise.resolve(),
});

/**
 * The emulator's hops in the flow's trace: one span per delivery attempt, `deliver <event type> to <reaction>` (attempt
 * and outcome are attributes), under the resource `eventgrid-emulator`, a child of
 * the span that published the event (its `traceparent`), exported over OTLP/HTTP like the hosts' spans. So the trace
 * viewer shows the wait and the failed attempts between a publish and the reaction, not just the reactions.
 * Its own provider, not the global one: the stack process is no Functions host.
 */
export const createDeliveryTracing = (otlpEndpoint: string): DeliveryTracing => {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "eventgrid-emulator", "service.namespace": "choreography" }),
    spanProcessors: [new BatchSpanProcessor(fetchSpanExporter(`${otlpEndpoint.replace(/\/$/, "")}/v1/traces`), { scheduledDelayMillis: 200 })],
  });
  const tracer = provider.getTracer("eventgrid-emulator");
  // Subscriptions are named `<topic>-<function>` (hashed when long); a hop is named by the reaction it feeds.
  const reactionOf = new Map(listSubscriptions().map((s) => [s.name, s.functionName]));
  return {
    onAttempt(record, event) {
      const parent = traceparentFields(event.traceparent);
      if (!parent) return;
      const context = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.spanId,
        traceFlags: parent.flags & TraceFlags.SAMPLED,
        isRemote: true,
      });
      const started = Date.parse(record.time);
      const reaction = reactionOf.get(record.subscription) ?? record.subscription;
      const span = tracer.startSpan(
        `deliver ${record.eventType} to ${reaction}`,
        {
          // The broker's own step between the publisher's send and the reaction's process: no client span of the
          // messaging conventions, and the viewer titles a span of this kind by its name (it would title a producer
          // span "MSG eventgrid <operation> <destination>", the same row for every event the journal takes).
          kind: SpanKind.INTERNAL,
          startTime: started,
          attributes: {
            "messaging.system": "eventgrid",
            "messaging.operation.type": "send",
            "messaging.operation.name": "deliver",
            "messaging.destination.name": reaction,
            "messaging.destination.subscription.name": record.subscription,
            "messaging.message.id": record.eventId,
            "cloudevents.event_id": record.eventId,
            "cloudevents.event_type": record.eventType,
            "eventgrid.delivery.attempt": record.attempt,
            "eventgrid.delivery.outcome": record.outcome,
            ...(typeof event.correlationid === "string" ? { "choreography.correlation_id": event.correlationid } : {}),
            ...(record.httpStatusCode === undefined ? {} : { "http.response.status_code": record.httpStatusCode }),
          },
        },
        context,
      );
      if (record.outcome !== "Succeeded") span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorMessage ?? record.outcome });
      span.end(started + record.durationInMs);
    },
    shutdown: () => provider.shutdown(),
  };
};
