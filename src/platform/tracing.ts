import { ROOT_CONTEXT, SpanContext, SpanKind, SpanStatusCode, TraceFlags, context, isSpanContextValid, trace } from "@opentelemetry/api";
import type { Attributes, Context, Link, Span } from "@opentelemetry/api";
import { tracerOf } from "./serviceTelemetry";
import { traceparentFields } from "../events/traceparent";

/** A caller's or an event's traceparent as a span context: version 00 with a valid (non-zero) trace and span id only. */
export const parseTraceparent = (value: string | null | undefined): SpanContext | undefined => {
  const fields = traceparentFields(value);
  if (fields?.version !== "00") return undefined;
  const context: SpanContext = { traceId: fields.traceId, spanId: fields.spanId, traceFlags: fields.flags, isRemote: true };
  return isSpanContextValid(context) ? context : undefined;
};

/**
 * The traceparent of the span this code runs in, when OpenTelemetry records one (in Azure, with Application Insights).
 * Events published inside a reaction then point at the reaction's span, and the next reaction's span hangs under it:
 * one flow is one end-to-end transaction across all Function Apps.
 */
export const activeTraceparent = (): string | undefined => {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED ? 1 : 0).toString(16).padStart(2, "0")}`;
};

/** What the span of one function invocation is: named and described per the OpenTelemetry semantic conventions. */
export interface SpanOptions {
  readonly name: string;
  readonly kind: SpanKind;
  /** A W3C traceparent: the event's, or the HTTP caller's. */
  readonly parent: string | null | undefined;
  readonly attributes: Attributes;
  /** The service whose resource the span belongs to (serviceTelemetry.ts). */
  readonly service?: string;
}

/**
 * Runs `work` in a span. Its parent is the invocation's trace context when one is active (in Azure the pre-invocation
 * hook continues the host's, see telemetry.ts), else `parent`. When both exist and belong to different traces, the
 * span links to `parent`, so a flow can still be followed from the event that caused this reaction. `work` may set
 * the span's status (an outcome that is not a failure of the delivery, such as a parked poison event); a throw
 * marks it an error. Without an OpenTelemetry SDK registered this costs next to nothing.
 */
export const inSpan = <T>(options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> => {
  const fromCaller = parseTraceparent(options.parent);
  const invocation = trace.getSpanContext(context.active());
  let parentContext: Context = fromCaller ? trace.setSpanContext(ROOT_CONTEXT, fromCaller) : ROOT_CONTEXT;
  const links: Link[] = [];
  if (invocation && isSpanContextValid(invocation)) {
    parentContext = context.active();
    if (fromCaller && fromCaller.traceId !== invocation.traceId) links.push({ context: fromCaller });
  }
  const spanOptions = { kind: options.kind, attributes: options.attributes, links };
  return tracerOf(options.service).startActiveSpan(options.name, spanOptions, parentContext, async (span) => {
    try {
      // Success leaves the status unset, as the conventions ask of instrumentation, so `work` can still set it.
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
};

export { SpanKind };
