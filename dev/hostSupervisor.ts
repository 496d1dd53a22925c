import type { ChildProcess } from "node:child_process";
import { ServiceName, serviceNames } from "../src/topology";

/** A Functions host process as the stack started it: where it listens, the child process, how to stop it politely. */
export interface StartedHostProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts one host process on `port` (0 = a free one) and resolves once it serves requests. */
export type StartHostProcess = (port: number) => Promise<StartedHostProcess>;

export type HostState = "starting" | "up" | "down" | "stopped";

/** What `GET /admin/hosts` and `stack.hosts.list()` show for one host process. */
export interface HostInfo {
  /** The service name when the host runs one service, `functions` when it runs several. */
  readonly name: string;
  readonly services: readonly ServiceName[];
  readonly url: string;
  readonly pid: number | null;
  readonly state: HostState;
  /** Times the supervisor started it again after it exited. */
  readonly restarts: number;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly at: string } | null;
  /** ISO 8601; set while an admin kill keeps the host down. */
  readonly downUntil: string | null;
}

export type HostAdminErrorCode = "HOSTS.UNKNOWN_SERVICE" | "HOSTS.NOT_RUNNING" | "HOSTS.INVALID_REQUEST" | "HOSTS.TIMEOUT";

export class HostAdminError extends Error {
  constructor(
    readonly code: HostAdminErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HostAdminError";
  }
}

export interface KillOptions {
  /** Keep the host down this long before the supervisor starts it again; default 0 (at once). */
  readonly downForMs?: number;
}

export interface HostSupervisor {
  /** Starts a host for `services` and keeps it running: a host that exits is started again on the same port. */
  add(services: readonly ServiceName[], port: number, start: StartHostProcess): Promise<HostInfo>;
  list(): HostInfo[];
  /** The host that runs `service`; throws HOSTS.UNKNOWN_SERVICE when no host runs it. */
  get(service: string): HostInfo;
  /** SIGKILLs the process that runs `service`, as a crash would; the supervisor restarts it after `downForMs`. */
  kill(service: string, options?: KillOptions): HostInfo;
  /** Stops the host politely (or ends a kill's hold) and resolves once it serves again. */
  restart(service: string, options?: { timeoutInMs?: number }): Promise<HostInfo>;
  waitUntilUp(service: string, options?: { timeoutInMs?: number }): Promise<HostInfo>;
  stop(): Promise<void>;
}

/** An admin kill may hold a host down for at most an hour: longer is a typo, not a test. */
export const MAX_DOWN_FOR_MS = 3_600_000;
// A host that dies again this soon after starting is crash-looping: back off instead of spinning.
const CRASH_LOOP_WINDOW_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

interface SupervisedHost {
  readonly name: string;
  readonly services: readonly ServiceName[];
  readonly start: StartHostProcess;
  port: number;
  url: string;
  current: StartedHostProcess | undefined;
  state: HostState;
  restarts: number;
  startedAt: number;
  quickCrashes: number;
  lastExit: HostInfo["lastExit"];
  holdUntil: number | undefined;
  timer: NodeJS.Timeout | undefined;
  waiters: Set<() => void>;
}

/**
 * Keeps the stack's Functions host processes running, as Azure keeps a Function App's instances: a host that exits
 * (crash, kill -9, out of memory) is started again on the same port, so Event Grid's retries reach it once it is back.
 */
export const createHostSupervisor = (options: { log: (line: string) => void }): HostSupervisor => {
  const { log } = options;
  const hosts: SupervisedHost[] = [];
  let stopping = false;

  const info = (host: SupervisedHost): HostInfo => ({
    name: host.name,
    services: host.services,
    url: host.url,
    pid: host.state === "up" ? (host.current?.child.pid ?? null) : null,
    state: host.state,
    restarts: host.restarts,
    lastExit: host.lastExit,
    downUntil: host.holdUntil !== undefined && host.holdUntil > Date.now() ? new Date(host.holdUntil).toISOString() : null,
  });

  const find = (service: string): SupervisedHost => {
    const host = hosts.find((h) => (h.services as readonly string[]).includes(service));
    if (host) return host;
    const known = (serviceNames as readonly string[]).includes(service);
    throw new HostAdminError(
      "HOSTS.UNKNOWN_SERVICE",
      known ? `No host of this stack runs service '${service}'.` : `There is no service '${service}'; services: ${serviceNames.join(", ")}.`,
    );
  };

  const becameUp = (host: SupervisedHost, started: StartedHostProcess): void => {
    host.current = started;
    host.url = started.url;
    // The first start may have picked a free port; every restart must come back on it, where the subscriptions point.
    host.port = Number(new URL(started.url).port) || host.port;
    host.state = "up";
    host.startedAt = Date.now();
    host.holdUntil = undefined;
    const { child } = started;
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => exited(host, started, code, signal);
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.once("exit", onExit);
    for (const wake of [...host.waiters]) wake();
  };

  const exited = (host: SupervisedHost, process: StartedHostProcess, code: number | null, signal: string | null): void => {
    if (host.current !== process) return;
    host.current = undefined;
    host.lastExit = { code, signal, at: new Date().toISOString() };
    if (stopping) {
      host.state = "stopped";
      return;
    }
    host.state = "down";
    const now = Date.now();
    const held = host.holdUntil !== undefined ? Math.max(0, host.holdUntil - now) : 0;
    host.quickCrashes = host.holdUntil === undefined && now - host.startedAt < CRASH_LOOP_WINDOW_MS ? host.quickCrashes + 1 : 0;
    const backoff = host.quickCrashes > 1 ? Math.min(MAX_BACKOFF_MS, 500 * 2 ** (host.quickCrashes - 2)) : 0;
    const delay = Math.max(held, backoff);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    log(`${host.name} host exited (${how}); restarting${delay > 0 ? ` in ${delay} ms` : ""}`);
    schedule(host, delay);
  };

  const schedule = (host: SupervisedHost, delayInMs: number): void => {
    clearTimeout(host.timer);
    host.timer = setTimeout(() => {
      host.timer = undefined;
      void relaunch(host);
    }, delayInMs);
    host.timer.unref();
  };

  const relaunch = async (host: SupervisedHost): Promise<void> => {
    if (stopping || host.state !== "down") return;
    host.state = "starting";
    try {
      const started = await host.start(host.port);
      if (stopping) {
        await started.stop();
        host.state = "stopped";
        return;
      }
      host.restarts += 1;
      becameUp(host, started);
      log(`${host.name} host is back on ${host.url} (restart ${host.restarts})`);
    } catch (error) {
      if (stopping) return;
      host.state = "down";
      host.quickCrashes += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, host.quickCrashes - 1));
      log(`${host.name} host failed to start again: ${error instanceof Error ? error.message : String(error)}; trying again in ${delay} ms`);
      schedule(host, delay);
    }
  };

  const waitUntilUp = async (service: string, { timeoutInMs = 60_000 }: { timeoutInMs?: number } = {}): Promise<HostInfo> => {
    const host = find(service);
    if (host.state === "up") return info(host);
    if (host.state === "stopped") throw new HostAdminError("HOSTS.NOT_RUNNING", `The ${host.name} host was stopped with the stack.`);
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        host.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        host.waiters.delete(wake);
        reject(new HostAdminError("HOSTS.TIMEOUT", `The ${host.name} host was not up again within ${timeoutInMs} ms (state ${host.state}).`));
      }, timeoutInMs);
      host.waiters.add(wake);
    });
    return info(host);
  };

  return {
    async add(services, port, start) {
      const host: SupervisedHost = {
        name: services.length === 1 ? services[0]! : "functions",
        services: [...services],
        start,
        port,
        url: "",
        current: undefined,
        state: "starting",
        restarts: 0,
        startedAt: 0,
        quickCrashes: 0,
        lastExit: null,
        holdUntil: undefined,
        timer: undefined,
        waiters: new Set(),
      };
      // The first start is not supervised: a host that cannot start at all is a broken build, not a crash.
      becameUp(host, await start(port));
      hosts.push(host);
      return info(host);
    },
    list: () => hosts.map(info),
    get: (service) => info(find(service)),
    kill(service, { downForMs = 0 } = {}) {
      if (!Number.isInteger(downForMs) || downForMs < 0 || downForMs > MAX_DOWN_FOR_MS) {
        throw new HostAdminError("HOSTS.INVALID_REQUEST", `downForMs must be an integer from 0 to ${MAX_DOWN_FOR_MS}.`);
      }
      const host = find(service);
      if (host.state !== "up" || !host.current) {
        throw new HostAdminError("HOSTS.NOT_RUNNING", `The ${host.name} host is ${host.state}; there is no process to kill.`);
      }
      const before = info(host);
      host.holdUntil = Date.now() + downForMs;
      // Down from now on, not from when the exit event arrives: a waitUntilUp right after the kill must wait.
      host.state = "down";
      host.current.child.kill("SIGKILL");
      return { ...before, downUntil: new Date(host.holdUntil).toISOString() };
    },
    async restart(service, { timeoutInMs = 60_000 } = {}) {
      const host = find(service);
      if (host.state === "up" && host.current) {
        host.holdUntil = Date.now();
        await host.current.stop();
      } else if (host.state === "down") {
        host.holdUntil = undefined;
        schedule(host, 0);
      }
      return waitUntilUp(service, { timeoutInMs });
    },
    waitUntilUp,
    async stop() {
      stopping = true;
      for (const host of hosts) clearTimeout(host.timer);
      await Promise.all(hosts.map(async (host) => {
        const current = host.current;
        host.state = "stopped";
        if (current) await current.stop();
      }));
    },
  };
};
