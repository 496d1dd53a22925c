import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, type MetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { TELEMETRY_SCOPE, type TelemetryProviders, useTelemetryProviders } from "./serviceTelemetry";

/** Locally a person is watching the viewer: export within a fraction of a second rather than the SDK's 5 s. */
const EXPORT_DELAY_MS = 200;
/** The viewer's metric charts need a point every few seconds, not the SDK's minute. */
const METRIC_EXPORT_INTERVAL_MS = 5_000;

/** What one resource's telemetry is handed to: OTLP/HTTP exporters here, in-memory ones in tests. */
export interface ResourceExporters {
  readonly spans: SpanProcessor;
  readonly logs: LogRecordProcessor;
  readonly metrics: MetricReader;
}

export interface PerServiceTelemetry extends TelemetryProviders {
  /** Flushes and stops every resource's providers. */
  shutdown(): Promise<void>;
}

/**
 * One tracer, logger and meter provider per service, each with the resource `service.name` = the service, created on
 * first use; code of no service goes to the host's own resource (`hostName`). The host's tracer provider is registered
 * globally (context manager, propagator), so a span of any service still parents the spans started inside it.
 */
export const createPerServiceTelemetry = (hostName: string, exportersFor: (serviceName: string) => ResourceExporters): PerServiceTelemetry => {
  const resources = new Map<string, { tracers: NodeTracerProvider; loggers: LoggerProvider; meters: MeterProvider }>();
  const resourceOf = (service: string | undefined) => {
    const name = service ?? hostName;
    let providers = resources.get(name);
    if (!providers) {
      const exporters = exportersFor(name);
      const resource = resourceFromAttributes({ "service.name": name, "service.namespace": "choreography" });
      providers = {
        tracers: new NodeTracerProvider({ resource, spanProcessors: [exporters.spans] }),
        loggers: new LoggerProvider({ resource, processors: [exporters.logs] }),
        meters: new MeterProvider({ resource, readers: [exporters.metrics] }),
      };
      resources.set(name, providers);
    }
    return providers;
  };
  resourceOf(undefined).tracers.register();
  return {
    tracer: (service) => resourceOf(service).tracers.getTracer(TELEMETRY_SCOPE),
    logger: (service) => resourceOf(service).loggers.getLogger(TELEMETRY_SCOPE),
    meter: (service) => resourceOf(service).meters.getMeter(TELEMETRY_SCOPE),
    shutdown: async () => {
      await Promise.all([...resources.values()].flatMap((p) => [p.tracers.shutdown(), p.loggers.shutdown(), p.meters.shutdown()]));
    },
  };
};

const otlpExporters = (endpoint: string) => (): ResourceExporters => ({
  spans: new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), { scheduledDelayMillis: EXPORT_DELAY_MS }),
  logs: new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${endpoint}/v1/logs` }), { scheduledDelayMillis: EXPORT_DELAY_MS }),
  metrics: new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
    exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS,
  }),
});

/**
 * Exports this host's spans, log records and metrics over OTLP/HTTP (JSON) when `OTEL_EXPORTER_OTLP_ENDPOINT` is
 * set — locally, to the Aspire Dashboard that `npm start` runs. Each service is its own resource, also when this one
 * host runs them all, so the viewer shows which service reacted to which event. The span of each reaction continues
 * the event's `traceparent` and the events it publishes point at it, so one flow becomes one trace across every host.
 * Azure uses Application Insights instead (telemetry.ts); `OTEL_SDK_DISABLED=true` turns both off.
 */
export const startOtlpExport = (env: NodeJS.ProcessEnv): boolean => {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim().replace(/\/$/, "");
  if (!endpoint || env.OTEL_SDK_DISABLED === "true") return false;
  const services = (env.SERVICES ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  // The host's own resource (spans of no service): named by what it runs.
  const hostName = env.OTEL_SERVICE_NAME?.trim() || (services.length === 1 ? services[0]! : "functions-host");
  // No shutdown hook: the host owns its signals, and what a stop loses is at most the last EXPORT_DELAY_MS of spans.
  useTelemetryProviders(createPerServiceTelemetry(hostName, otlpExporters(endpoint)));
  return true;
};
