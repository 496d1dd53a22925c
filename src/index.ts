// Telemetry first: it instruments the Azure SDK and http modules, which must not be loaded before it.
import { startOtlpExport } from "./platform/otlpExport";
import { setupTelemetry, startTelemetry } from "./platform/telemetry";
// Azure Monitor where Application Insights is configured; else OTLP where an endpoint is (the local trace viewer).
const telemetryExporter = startTelemetry(process.env) ? "azureMonitor" : startOtlpExport(process.env) ? "otlp" : undefined;

import { app } from "@azure/functions";
import { guardInvocationsAgainstDeepNesting } from "./platform/nestingGuard";
import { createRuntimeProvider } from "./platform/runtime";
import { registerServices, validateAppSettings } from "./platform/registerServices";
import { serviceModules } from "./services";
import { manifest, selectServices } from "./topology";

// Before anything can set the programming model: a hostile event must be cut down before the library's recursive
// conversion of trigger data, or it fails every delivery instead of being parked as poison.
guardInvocationsAgainstDeepNesting();
setupTelemetry(app, telemetryExporter);

// The package's `main`: the Functions host (func start, Azure, or the local host) loads this file, and the SERVICES
// app setting decides which services this Function App registers. Each service is its own app in Azure.
const selected = selectServices(process.env.SERVICES);
// A bad setting stops the host here, naming it, instead of failing every invocation later.
validateAppSettings(process.env, selected, serviceModules);
registerServices(app, manifest, selected, serviceModules, createRuntimeProvider(process.env, (service) => manifest.services[service]!.container));
