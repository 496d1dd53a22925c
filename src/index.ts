// Telemetry first: it instruments the Azure SDK and http modules, which must not be loaded before it.
import { startOtlpExport } from "./platform/otlpExport";
import { startTelemetry } from "./platform/telemetry";
startTelemetry(process.env) || startOtlpExport(process.env);

import { app } from "@azure/functions";
import { createRuntimeProvider } from "./platform/runtime";
import { registerServices } from "./platform/registerServices";
import { serviceModules } from "./services";
import { selectServices } from "./topology";

// The package's `main`: the Functions host (func start, Azure, or the local host) loads this file, and the SERVICES
// app setting decides which services this Function App registers. Each service is its own app in Azure.
registerServices(app, selectServices(process.env.SERVICES), serviceModules, createRuntimeProvider(process.env));
