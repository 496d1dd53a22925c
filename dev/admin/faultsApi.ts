import * as http from "node:http";
import { type StoreFaultPlan, type StoreFaults, validateStoreFaultPlan } from "@azure-choreography/cosmos-server";
import type { EventGridEmulator } from "@azure-choreography/eventgrid-emulator";
import { parseObject } from "../simulators/json";
import { sendJson, type Simulator } from "../simulators/types";

const BASE_PATH = "/admin/faults";

const problem = (res: http.ServerResponse, status: number, code: string, detail: string): void => {
  const text = JSON.stringify({ type: "about:blank", title: http.STATUS_CODES[status], status, code, detail });
  res.writeHead(status, { "content-type": "application/problem+json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

const PLAN_FIELDS = ["throttledShare", "retryAfterMs", "unavailableShare", "delayMs", "forMs"] as const;

/**
 * Faults underneath the services, on demand (local only), next to the hosts' admin API: the store answering 429 (with
 * `x-ms-retry-after-ms`) or 503 for a share of its document requests, or slowly, for a window; a topic's publish
 * endpoint down for a window. `eventGrid` is read at each request: the emulator starts after the dev server.
 */
export const createFaultsAdminApi = (store: StoreFaults, eventGrid: () => EventGridEmulator | undefined): Simulator => {
  const topicOutages = new Map<string, string>();
  return {
    name: "faults-admin",
    basePath: BASE_PATH,
    endpoints: [
      { method: "GET", path: BASE_PATH, description: "The store's last fault plan, under way or ended, with what it did; and the topics taken down" },
      {
        method: "POST",
        path: `${BASE_PATH}/store`,
        description: "{ throttledShare?, retryAfterMs?, unavailableShare?, delayMs?, forMs }: 429 / 503 for a share of document requests, or each answered delayMs late, for forMs",
      },
      { method: "DELETE", path: `${BASE_PATH}/store`, description: "End the store's fault plan now (what it did is kept)" },
      { method: "POST", path: `${BASE_PATH}/topics/{topic}?downForMs=N`, description: "Publishes to that topic answer 503 for N ms (0 brings it back)" },
    ],
    handle: async (req, res, url, body) => {
      const path = url.pathname.slice(BASE_PATH.length).replace(/\/+$/, "");
      const method = req.method ?? "GET";
      const now = Date.now();
      for (const [topic, endsAt] of topicOutages) if (Date.parse(endsAt) <= now) topicOutages.delete(topic);
      if (path === "" && method === "GET") {
        sendJson(res, 200, { store: store.last() ?? null, topics: Object.fromEntries(topicOutages) });
      } else if (path === "/store" && method === "POST") {
        const input = parseObject(body);
        const unknown = input ? Object.keys(input).filter((k) => !(PLAN_FIELDS as readonly string[]).includes(k)) : [];
        if (!input || unknown.length > 0) {
          problem(res, 400, "FAULTS.INVALID_REQUEST", input ? `Unknown field(s) ${unknown.join(", ")}; send ${PLAN_FIELDS.join(", ")}.` : "The body must be a JSON object.");
          return true;
        }
        const plan = input as unknown as StoreFaultPlan;
        const invalid = validateStoreFaultPlan(plan);
        if (invalid) problem(res, 400, "FAULTS.INVALID_REQUEST", invalid);
        else {
          store.set(plan);
          sendJson(res, 202, { store: store.current() });
        }
      } else if (path === "/store" && method === "DELETE") {
        store.clear();
        sendJson(res, 200, { store: store.last() ?? null });
      } else if (path.startsWith("/topics/") && method === "POST") {
        const topic = decodeURIComponent(path.slice("/topics/".length));
        const text = url.searchParams.get("downForMs") ?? "";
        const emulator = eventGrid();
        if (!/^\d+$/.test(text)) problem(res, 400, "FAULTS.INVALID_REQUEST", `downForMs must be an integer of milliseconds, got "${text}".`);
        else if (!emulator) problem(res, 409, "FAULTS.NOT_READY", "The Event Grid emulator is not running yet.");
        else {
          try {
            const outage = emulator.setPublishOutage(topic, Number(text));
            if (Number(text) === 0) topicOutages.delete(outage.topic);
            else topicOutages.set(outage.topic, outage.endsAt);
            sendJson(res, 202, { topic: outage.topic, downUntil: Number(text) === 0 ? null : outage.endsAt });
          } catch (error) {
            const status = (error as { status?: number }).status ?? 500;
            problem(res, status, status === 404 ? "FAULTS.UNKNOWN_TOPIC" : "FAULTS.INVALID_REQUEST", (error as Error).message);
          }
        }
      } else if (path === "" || path === "/store" || path.startsWith("/topics/")) {
        problem(res, 405, "FAULTS.METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}.`);
      } else return false;
      return true;
    },
  };
};
