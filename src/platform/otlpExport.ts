import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/** Locally a person is watching the viewer: export within a fraction of a second rather than the SDK's 5 s. */
const EXPORT_DELAY_MS = 200;

/**
 * Exports this host's spans over OTLP/HTTP (JSON) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set — locally, to the Aspire
 * Dashboard that `npm start` runs. The span of each reaction already continues the event's `traceparent` and the
 * events it publishes point at it, so with a recording provider one flow becomes one trace across every host.
 * Azure uses Application Insights instead (telemetry.ts); `OTEL_SDK_DISABLED=true` turns both off.
 */
export const startOtlpExport = (env: NodeJS.ProcessEnv): boolean => {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || env.OTEL_SDK_DISABLED === "true") return false;
  const services = (env.SERVICES ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      // One host per service shows each service as its own resource; a host of several is named by what it runs.
      "service.name": env.OTEL_SERVICE_NAME?.trim() || (services.length === 1 ? services[0]! : "functions-host"),
      "service.namespace": "choreography",
      "choreography.services": services.join(",") || "*",
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` }), { scheduledDelayMillis: EXPORT_DELAY_MS }),
    ],
  });
  // No shutdown hook: the host owns its signals, and what a stop loses is at most the last EXPORT_DELAY_MS of spans.
  provider.register();
  return true;
};
