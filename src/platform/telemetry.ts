import type { PreInvocationContext, app as functionsApp } from "@azure/functions";
import { DefaultAzureCredential } from "@azure/identity";
import { ROOT_CONTEXT, context as otelContext, createTraceState, trace } from "@opentelemetry/api";
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
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString, credential: new DefaultAzureCredential() } });
  return true;
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

/**
 * OpenTelemetry the way Functions documents it for Node v4 (host.json `telemetryMode: OpenTelemetry`): the worker
 * exports its own telemetry (WorkerOpenTelemetryEnabled, so the host does not send the worker's logs again) and each
 * invocation continues the host's trace. Nothing changes when telemetry is off (locally).
 */
export const setupTelemetry = (app: Pick<typeof functionsApp, "setup" | "hook">, started: boolean): void => {
  if (!started) return;
  app.setup({ capabilities: { WorkerOpenTelemetryEnabled: true } });
  app.hook.preInvocation(continueInvocationTrace);
};
