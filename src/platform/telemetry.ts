import { DefaultAzureCredential } from "@azure/identity";

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
