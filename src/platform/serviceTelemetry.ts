import { type Meter, type Tracer, metrics, trace } from "@opentelemetry/api";
import { type Logger, logs } from "@opentelemetry/api-logs";

/** The instrumentation scope of everything this app records. */
export const TELEMETRY_SCOPE = "azure-choreography";

/** Where a service's spans, log records and metrics go. `undefined`: code of no service (the host's own). */
export interface TelemetryProviders {
  tracer(service: string | undefined): Tracer;
  logger(service: string | undefined): Logger;
  meter(service: string | undefined): Meter;
}

/**
 * The global OpenTelemetry API. In Azure each Function App runs one service and its resource already says which
 * (the Azure Monitor distro registers the globals), so every service shares them.
 */
const globalProviders: TelemetryProviders = {
  tracer: () => trace.getTracer(TELEMETRY_SCOPE),
  logger: () => logs.getLogger(TELEMETRY_SCOPE),
  meter: () => metrics.getMeter(TELEMETRY_SCOPE),
};

let providers: TelemetryProviders = globalProviders;
const serviceByFunction = new Map<string, string>();

/**
 * Makes each service's telemetry its own resource: a local host that runs every service still shows `inventory`,
 * `payments`, … as separate resources in the trace viewer, as separate Function Apps do in Azure (otlpExport.ts).
 * `undefined` goes back to the global API.
 */
export const useTelemetryProviders = (perService: TelemetryProviders | undefined): void => {
  providers = perService ?? globalProviders;
};

export const tracerOf = (service: string | undefined): Tracer => providers.tracer(service);
export const loggerOf = (service: string | undefined): Logger => providers.logger(service);
export const meterOf = (service: string | undefined): Meter => providers.meter(service);

/** Registration records which service a function belongs to, so its log lines land under that service's resource. */
export const recordFunctionService = (functionName: string, service: string): void => {
  serviceByFunction.set(functionName, service);
};
export const serviceOfFunction = (functionName: string | undefined): string | undefined =>
  functionName === undefined ? undefined : serviceByFunction.get(functionName);
