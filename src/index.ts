// Telemetry first: it instruments the Azure SDK and http modules, which must not be loaded before it.
import { startTelemetry } from "./platform/telemetry";
startTelemetry(process.env);

import { app } from "@azure/functions";
import { createRuntimeProvider } from "./platform/runtime";
import { registerServices, validateAppSettings } from "./platform/registerServices";
import { serviceModules } from "./services";
import { selectServices } from "./topology";

// The package's `main`: the Functions host (func start, Azure, or the local host) loads this file, and the SERVICES
// app setting decides which services this Function App registers. Each service is its own app in Azure.
const selected = selectServices(process.env.SERVICES);
// A bad setting stops the host here, naming it, instead of failing every invocation later.
validateAppSettings(process.env, selected, serviceModules);
registerServices(app, selected, serviceModules, createRuntimeProvider(process.env));
