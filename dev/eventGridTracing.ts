import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { traceparentFields } from "../src/events/traceparent";
import type { DeliveryRecord, EmulatorCloudEvent } from "@azure-choreography/eventgrid-emulator";

export interface DeliveryTracing {
  readonly onAttempt: (record: DeliveryRecord, event: EmulatorCloudEvent) => void;
  shutdown(): Promise<void>;
}

/**
 * The emulator's hops in the flow's trace: one span per delivery attempt, `deliver <subscription>` (the subscription
 * is the reaction's function name; attempt and outcome are attributes) under the resource `eventgrid-emulator`, a child of
 * the span that published the event (its `traceparent`), exported over OTLP/HTTP like the hosts' spans. So the trace
 * viewer shows the wait and the failed attempts between a publish and the reaction, not just the reactions.
 * Its own provider, not the global one: the stack process is no Functions host.
 */
export const createDeliveryTracing = (otlpEndpoint: string): DeliveryTracing => {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "eventgrid-emulator", "service.namespace": "choreography" }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpEndpoint.replace(/\/$/, "")}/v1/traces` }), { scheduledDelayMillis: 200 })],
  });
  const tracer = provider.getTracer("eventgrid-emulator");
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
      const span = tracer.startSpan(
        `deliver ${record.subscription}`,
        {
          kind: SpanKind.PRODUCER,
          startTime: started,
          attributes: {
            "messaging.system": "eventgrid",
            // Pushing an event to a subscriber is a send; its name says which hop of the choreography it is.
            "messaging.operation.type": "send",
            "messaging.operation.name": "deliver",
            // The pre-1.26 name, which the Aspire Dashboard's "MSG <system> <operation> <destination>" title reads.
            "messaging.operation": "deliver",
            "messaging.destination.name": record.subscription,
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
