import { type Histogram, type Meter, type Span, SpanStatusCode } from "@opentelemetry/api";
import type { ReactionOutcome } from "./reactions/contract";
import { meterOf } from "./serviceTelemetry";
import { SpanKind, type SpanOptions } from "./tracing";

/** The envelope fields a reaction's telemetry names, read defensively (the event may be poison). */
export interface EnvelopeFields {
  readonly id?: string;
  readonly type?: string;
  readonly source?: string;
  readonly subject?: string;
  readonly time?: string;
  readonly correlationid?: string;
  readonly traceparent?: string;
}

/**
 * A reaction's span per the OpenTelemetry messaging conventions: a consumer span named `process <event type>` under
 * the resource of its service. Event Grid routes each subscription by event type, so the type is the destination a
 * reaction receives from; the subscription (one per reaction) is the function's name.
 */
export const reactionSpan = (service: string, functionName: string, event: EnvelopeFields, invocationId: string): SpanOptions => {
  const type = event.type ?? "(no type)";
  return {
    name: `process ${type}`,
    kind: SpanKind.CONSUMER,
    parent: event.traceparent,
    service,
    attributes: {
      "messaging.system": "eventgrid",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      // The pre-1.26 name of the operation: the Aspire Dashboard still titles messaging spans with it
      // ("MSG <system> <operation> <destination>"), and without it shows every reaction as "MSG eventgrid".
      "messaging.operation": "process",
      "messaging.destination.name": type,
      "messaging.destination.subscription.name": functionName,
      "messaging.consumer.group.name": functionName,
      "messaging.message.id": event.id ?? "",
      "cloudevents.event_id": event.id ?? "",
      "cloudevents.event_type": type,
      "cloudevents.event_source": event.source ?? "",
      ...(event.subject === undefined ? {} : { "cloudevents.event_subject": event.subject }),
      "faas.trigger": "pubsub",
      "faas.name": functionName,
      "faas.invocation_id": invocationId,
      "choreography.correlation_id": event.correlationid ?? "",
    },
  };
};

/** What a reaction did, on its span; a parked poison event is an error of the event, though the delivery succeeds. */
export const recordOutcomeOnSpan = (span: Span, result: ReactionOutcome): void => {
  span.setAttribute("choreography.outcome", result.outcome);
  if (result.outcome === "handled") span.setAttribute("choreography.published", result.published.map((e) => e.type));
  if (result.outcome === "poisoned") {
    span.setAttribute("choreography.poison_reason", result.reason);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `poison event parked: ${result.reason}` });
  }
};

/** The metric's name, unit and attributes are what the Application Insights workbook queries (customMetrics). */
export const HOP_DURATION_METRIC = "choreography.hop.duration";

const hopHistograms = new WeakMap<Meter, Histogram>();
const hopHistogramOf = (meter: Meter): Histogram => {
  let histogram = hopHistograms.get(meter);
  if (!histogram) {
    histogram = meter.createHistogram(HOP_DURATION_METRIC, {
      description: "Time from an event's cause (its CloudEvent time) to the end of the reaction that took it in",
      unit: "ms",
    });
    hopHistograms.set(meter, histogram);
  }
  return histogram;
};

/**
 * Records one hop of the choreography: from the CloudEvent's `time` (when its cause happened) to `effectAt` (when
 * the reaction finished: its commit and the publish of what it committed), per event type, reaction and outcome.
 * An event without a readable time records nothing. Clocks of different hosts may disagree by a little; a hop
 * that seems to end before it began counts as 0 ms.
 */
export const recordHop = (service: string, hop: { readonly eventType: string | undefined; readonly reaction: string; readonly outcome: ReactionOutcome["outcome"]; readonly causedAt: string | undefined; readonly effectAt: Date }): void => {
  const causedAtInMs = hop.causedAt === undefined ? Number.NaN : Date.parse(hop.causedAt);
  if (!Number.isFinite(causedAtInMs) || hop.eventType === undefined) return;
  hopHistogramOf(meterOf(service)).record(Math.max(0, hop.effectAt.getTime() - causedAtInMs), {
    "event.type": hop.eventType,
    reaction: hop.reaction,
    outcome: hop.outcome,
  });
};
