import type { Database } from "@azure/cosmos";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { requireAppRole } from "../../platform/appRoles";
import { ValidationError } from "../../platform/errors";
import { json } from "../../platform/http";
import { createCosmosClient } from "../../platform/runtime";
import { HttpHandler } from "../../platform/serviceModule";
import { services } from "../../topology";
import { mapEdges, mapNodes } from "./eventMap";
import { EventMap, createEventMap, cosmosEntryFeed, cosmosPoison, emulatorIncidents, stalledFlowsFrom } from "./eventMapFeed";
import { JournalPorts } from "./ports";

/** The windows the dashboard offers. */
export const mapWindows = { "5m": 5 * 60_000, "1h": 3_600_000, "24h": 24 * 3_600_000 } as const;
export type MapWindowName = keyof typeof mapWindows;

/**
 * One map per host instance (per journal runtime), built on first use: its clients are the journal's own container and
 * the database's poison containers, read with the host's identity (keys for the local emulator).
 */
const maps = new WeakMap<object, EventMap>();

const mapOf = (runtime: Parameters<HttpHandler<JournalPorts>>[1]): EventMap => {
  const existing = maps.get(runtime.ports);
  if (existing) return existing;
  let database: Database | undefined;
  let credential: TokenCredential | undefined;
  const getDatabase = () => (database ??= createCosmosClient(runtime.config, () => (credential ??= new DefaultAzureCredential())).database(runtime.config.COSMOS_DATABASE_NAME));
  const { settings } = runtime.ports;
  const created = createEventMap({
    entries: cosmosEntryFeed(() => getDatabase().container(services.journal.container)),
    incidents: {
      ...emulatorIncidents(settings.deadLetters?.kind === "emulator" ? settings.deadLetters.url : undefined),
      poison: cosmosPoison(getDatabase, settings.poisonContainers),
    },
    stalledFlows: stalledFlowsFrom(runtime.ports.flowIndex),
  });
  maps.set(runtime.ports, created);
  return created;
};

/**
 * GET /api/event-map?window=5m|1h|24h: the manifest's services and edges with, per edge over the window, the events
 * that crossed it, p50/p95 from cause to effect, failed deliveries, dead letters, poison, stalled flows and the flows
 * that took it. Answered from this instance's in-memory window (eventMapFeed.ts says what a refresh reads), so a view
 * costs no scan.
 */
export const getEventMap: HttpHandler<JournalPorts> = async (request, runtime) => {
  requireAppRole(request, "Flows.Read");
  const name = request.query.get("window") ?? "1h";
  if (!Object.hasOwn(mapWindows, name)) {
    throw new ValidationError(`Invalid query: window: must be one of ${Object.keys(mapWindows).join(", ")}`, [{ path: "window", message: "unknown window" }]);
  }
  const view = await mapOf(runtime).view(mapWindows[name as MapWindowName]);
  return json(200, {
    window: name,
    from: new Date(view.fromMs).toISOString(),
    coverageFrom: new Date(view.coverageFromMs).toISOString(),
    refreshedAt: new Date(view.refreshedAtMs).toISOString(),
    nodes: mapNodes,
    edges: view.edges,
    edgeCount: mapEdges.length,
  });
};
