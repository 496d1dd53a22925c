import type { LogHookContext, LogLevel, PreInvocationContext, app as functionsApp } from "@azure/functions";
import { DefaultAzureCredential } from "@azure/identity";
import { ROOT_CONTEXT, context as otelContext, createTraceState, isSpanContextValid, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { loggerOf, serviceOfFunction } from "./serviceTelemetry";
import { parseTraceparent } from "./tracing";

/**
 * Sends this worker's OpenTelemetry traces (one span per reaction and HTTP call, plus Cosmos and HTTP dependencies)
 * to Application Insights when the app has a connection string (Azure); locally nothing is set and nothing starts.
 * Application Insights has local auth disabled, so the exporter authenticates with the app's managed identity.
 * `OTEL_SDK_DISABLED=true` turns it off.
 */
export const startTelemetry = (env: NodeJS.ProcessEnv): boolean => {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString || env.OTEL_SDK_DISABLED === "true") return false;
  // The SDK would log every expected 404 (each inbox check that finds no record) as a warning; keep errors only
  // unless the app says otherwise.
  process.env.AZURE_LOG_LEVEL ??= "error";
  // Loaded only when used: it is large, and must come before the SDK clients it instruments.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { useAzureMonitor } = require("@azure/monitor-opentelemetry") as typeof import("@azure/monitor-opentelemetry");
  // host.json's samplingSettings do not apply in OpenTelemetry mode: the exporter samples, by traces per second
  // (APPLICATIONINSIGHTS_TRACES_PER_SECOND, set by function-app.bicep); 0 keeps every trace.
  const tracesPerSecond = Number(env.APPLICATIONINSIGHTS_TRACES_PER_SECOND ?? "5");
  const sampling = Number.isFinite(tracesPerSecond) && tracesPerSecond > 0 ? { tracesPerSecond } : { tracesPerSecond: 0, samplingRatio: 1 };
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString, credential: new DefaultAzureCredential() }, ...sampling });
  return true;
};

const severityOf: Readonly<Record<LogLevel, SeverityNumber | undefined>> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  information: SeverityNumber.INFO,
  warning: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  critical: SeverityNumber.FATAL,
  none: undefined,
};

/**
 * Log hook: sends each `context.log/warn/error` line of a function to the OpenTelemetry logs API (the Azure Monitor
 * exporter in Azure), in the trace of the span it was written in, or else of the invocation. With
 * WorkerOpenTelemetryEnabled the host no longer exports the worker's logs, so without this they are lost.
 */
export const forwardInvocationLog = (hook: LogHookContext): void => {
  const severityNumber = severityOf[hook.level];
  // System lines (the library's own) stay with the host; only what the app writes is forwarded.
  if (severityNumber === undefined || hook.category !== "user") return;
  const invocation = hook.invocationContext;
  const active = trace.getSpanContext(otelContext.active());
  let context = otelContext.active();
  if (!active || !isSpanContextValid(active)) {
    const parent = parseTraceparent(invocation?.traceContext?.traceParent);
    context = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  }
  // Under the resource of the function's service (locally one host runs them all; see otlpExport.ts).
  loggerOf(serviceOfFunction(invocation?.functionName)).emit({
    body: hook.message,
    severityNumber,
    severityText: hook.level,
    context,
    attributes: invocation ? { "faas.name": invocation.functionName, "faas.invocation_id": invocation.invocationId } : {},
  });
};

/**
 * Pre-invocation hook: runs the function inside the host's trace context for this invocation
 * (`invocationContext.traceContext`), so the reaction's span is the child of the host's invocation span and host and
 * worker telemetry correlate in Application Insights. Needs the OpenTelemetry context manager that startTelemetry
 * registers; without one `bind` changes nothing.
 */
export const continueInvocationTrace = (hook: PreInvocationContext): void => {
  const traceContext = hook.invocationContext.traceContext;
  const parent = parseTraceparent(traceContext?.traceParent);
  if (!parent) return;
  const traceState = traceContext?.traceState ? createTraceState(traceContext.traceState) : undefined;
  const invocation = trace.setSpanContext(ROOT_CONTEXT, { ...parent, ...(traceState ? { traceState } : {}) });
  hook.functionHandler = otelContext.bind(invocation, hook.functionHandler);
};

/** Which exporter this worker's telemetry goes to, if any: Application Insights (Azure) or OTLP (the local viewer). */
export type TelemetryExporter = "azureMonitor" | "otlp" | undefined;

/**
 * OpenTelemetry the way Functions documents it for Node v4 (host.json `telemetryMode: OpenTelemetry`): the worker
 * exports its own telemetry (WorkerOpenTelemetryEnabled, so the host stops exporting the worker's logs), each
 * invocation continues the host's trace, and every `context.log` line is forwarded as a log record (as Microsoft's
 * @azure/functions-opentelemetry-instrumentation does with `app.hook.log`). Locally (OTLP) only the log forwarding
 * applies: the local host exports no invocation span of its own for a reaction's span to hang under.
 * Nothing changes when telemetry is off.
 */
export const setupTelemetry = (app: Pick<typeof functionsApp, "setup" | "hook">, exporter: TelemetryExporter): void => {
  if (!exporter) return;
  if (exporter === "azureMonitor") {
    app.setup({ capabilities: { WorkerOpenTelemetryEnabled: true } });
    app.hook.preInvocation(continueInvocationTrace);
  }
  app.hook.log(forwardInvocationLog);
};
