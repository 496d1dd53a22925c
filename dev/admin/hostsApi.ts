import * as http from "node:http";
import { HostAdminError, HostAdminErrorCode, HostSupervisor, MAX_DOWN_FOR_MS } from "../hostSupervisor";
import { CallCrashInjector, crashableCalls, createCallCrashInjector } from "./callCrashInjector";
import { sendJson, type Simulator } from "../simulators/types";

const BASE_PATH = "/admin/hosts";

const statusOf: Record<HostAdminErrorCode, number> = {
  "HOSTS.UNKNOWN_SERVICE": 404,
  "HOSTS.NOT_RUNNING": 409,
  "HOSTS.INVALID_REQUEST": 400,
  "HOSTS.TIMEOUT": 504,
};

const problem = (res: http.ServerResponse, status: number, code: string, detail: string): void => {
  const text = JSON.stringify({ type: "about:blank", title: http.STATUS_CODES[status], status, code, detail });
  res.writeHead(status, { "content-type": "application/problem+json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

const readDownForMs = (url: URL): number => {
  const text = url.searchParams.get("downForMs");
  if (text === null || text === "") return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > MAX_DOWN_FOR_MS) {
    throw new HostAdminError("HOSTS.INVALID_REQUEST", `downForMs must be an integer from 0 to ${MAX_DOWN_FOR_MS}, got "${text}".`);
  }
  return value;
};

/**
 * The stack's admin API for its Functions hosts, mounted on the dev server next to the simulators (it has the same
 * shape: a base path and a handler). Local only: it lets a test or a person crash one service's host as a fault would.
 */
export const createHostsAdminApi = (hosts: HostSupervisor, injectors: readonly CallCrashInjector[] = []): Simulator => ({
  name: "hosts-admin",
  basePath: BASE_PATH,
  endpoints: [
    { method: "GET", path: BASE_PATH, description: "Every Functions host: services, url, pid, state, restarts" },
    { method: "GET", path: `${BASE_PATH}/{service}`, description: "The host that runs this service" },
    {
      method: "POST",
      path: `${BASE_PATH}/{service}/kill`,
      description: `SIGKILL that host; ?downForMs=N keeps it down N ms before the restart; &when=nextCall kills it during its next ${crashableCalls.map((c) => `${c.description} (${c.service})`).join(" or ")}`,
    },
    { method: "POST", path: `${BASE_PATH}/{service}/restart`, description: "Stop that host (or end its hold) and answer once it serves again" },
  ],
  handle: async (req, res, url) => {
    const parts = url.pathname.slice(BASE_PATH.length).split("/").filter((p) => p !== "").map(decodeURIComponent);
    const method = req.method ?? "GET";
    try {
      if (parts.length === 0) {
        if (method !== "GET") return methodNotAllowed(res, method, url);
        sendJson(res, 200, { hosts: hosts.list() });
      } else if (parts.length === 1) {
        if (method !== "GET") return methodNotAllowed(res, method, url);
        sendJson(res, 200, hosts.get(parts[0]!));
      } else if (parts.length === 2 && parts[1] === "kill") {
        if (method !== "POST") return methodNotAllowed(res, method, url);
        const downForMs = readDownForMs(url);
        const when = url.searchParams.get("when") ?? "now";
        if (when === "nextCall") {
          const host = hosts.get(parts[0]!);
          const injector = injectors.find((i) => i.service === parts[0]);
          if (!injector) throw new HostAdminError("HOSTS.INVALID_REQUEST", `when=nextCall works for ${injectors.map((i) => i.service).join(", ")}, not ${parts[0]}.`);
          injector.arm(downForMs);
          sendJson(res, 202, { armed: { ...host }, when, downForMs });
        } else if (when === "now") {
          const killed = hosts.kill(parts[0]!, { downForMs });
          sendJson(res, 202, { killed: { ...killed, state: "down" }, when, downForMs });
        } else throw new HostAdminError("HOSTS.INVALID_REQUEST", `when must be now or nextCall, got "${when}".`);
      } else if (parts.length === 2 && parts[1] === "restart") {
        if (method !== "POST") return methodNotAllowed(res, method, url);
        sendJson(res, 200, await hosts.restart(parts[0]!));
      } else return false;
    } catch (error) {
      if (!(error instanceof HostAdminError)) throw error;
      problem(res, statusOf[error.code], error.code, error.message);
    }
    return true;
  },
});

const methodNotAllowed = (res: http.ServerResponse, method: string, url: URL): true => {
  problem(res, 405, "HOSTS.METHOD_NOT_ALLOWED", `${method} is not allowed on ${url.pathname}.`);
  return true;
};

/**
 * The simulators with the admin API beside them and a crash injector in front of each outside call that moves money,
 * for the dev server to host.
 */
export const withHostsAdmin = (simulators: readonly Simulator[], hosts: HostSupervisor): Simulator[] => {
  const injectors = crashableCalls.flatMap((call) => {
    const target = simulators.find((s) => s.name === call.simulator);
    return target ? [createCallCrashInjector(hosts, call, target)] : [];
  });
  return [...simulators, createHostsAdminApi(hosts, injectors), ...injectors];
};
