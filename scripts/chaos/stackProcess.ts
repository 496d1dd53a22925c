import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import type { ServiceName } from "../../src/topology";
import { serviceNames } from "../../src/topology";
import type { HostInfo } from "../../dev/hostSupervisor";
import type { DeadLetter, DeliveryRecord } from "@azure-choreography/eventgrid-emulator";

export interface StackChildOptions {
  readonly appRoot: string;
  readonly dataDir: string;
  readonly retryScale: number;
  readonly ports: { cosmos: number; functions: number; eventGrid: number; dev: number };
}

export interface StackChildReady {
  readonly functionsUrls: Readonly<Partial<Record<ServiceName, string>>>;
  readonly devUrl: string;
  readonly eventGridUrl: string;
  readonly topicEndpoints: Readonly<Record<string, string>>;
  readonly cosmos: { readonly endpoint: string; readonly key: string; readonly databaseName: string };
  readonly freeCreditsAmount: number;
  readonly restoredDocuments: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The chaos suite's view of a stack running in its own process (stackChild.ts), over HTTP only, so the whole stack can
 * be killed with SIGKILL and started again on the same data, the same ports and so the same URLs, while the clients
 * (the flows, the fault injector) keep calling. The hosts are in split mode, one per service, each on its own port.
 */
export interface RemoteStack {
  info(): StackChildReady;
  readonly dataDir: string;
  apiUrl(service: ServiceName): string;
  topicEndpoint(topic: string): string;
  /** Resolves once the emulator has nothing queued, in flight or waiting for a retry; rejects after the timeout. */
  idle(timeoutInMs: number): Promise<void>;
  deliveries(): Promise<DeliveryRecord[]>;
  deadLetters(): Promise<DeadLetter[]>;
  hosts(): Promise<HostInfo[]>;
  waitUntilUp(service: ServiceName, timeoutInMs: number): Promise<void>;
  /** SIGKILL of the stack's process (its hosts stop when they see their parent gone); resolves once ports are free. */
  killWholeStack(): Promise<{ pid: number | undefined }>;
  /** Starts the stack again on the same data directory and ports. */
  restart(): Promise<StackChildReady>;
  stop(): Promise<void>;
}

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });

/**
 * A run of `count` free ports (the split hosts take consecutive ports from the first), below Linux's ephemeral range
 * (32768 up), where ports picked by the OS for other stacks on the machine (port 0) cannot land between the check and
 * the listen.
 */
const freeRun = async (count: number): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    const all = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (all.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
};

export const startRemoteStack = async (args: {
  appRoot: string;
  dataDir: string;
  retryScale: number;
  log: (line: string) => void;
}): Promise<RemoteStack> => {
  const base = await freeRun(serviceNames.length + 3);
  const ports = { cosmos: base, eventGrid: base + 1, dev: base + 2, functions: base + 3 };
  const options: StackChildOptions = { appRoot: args.appRoot, dataDir: args.dataDir, retryScale: args.retryScale, ports };
  let child: ChildProcess | undefined;
  let ready: StackChildReady | undefined;

  // The URLs stay those of the first start while the stack restarts: same ports, so clients keep calling them.
  const launch = (): Promise<StackChildReady> =>
    new Promise((resolve, reject) => {
      let up = false;
      // The compiled child, also when this module runs from its TypeScript source (jest).
      const started = spawn(process.execPath, [path.join(args.appRoot, "dist/scripts/chaos/stackChild.js")], {
        cwd: args.appRoot,
        env: { ...process.env, CHAOS_STACK: JSON.stringify(options) },
        stdio: ["ignore", "pipe", "inherit"],
      });
      child = started;
      let buffer = "";
      let last = "";
      started.stdout.setEncoding("utf8");
      started.stdout.on("data", (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.startsWith("READY ")) {
            up = true;
            ready = JSON.parse(line.slice("READY ".length)) as StackChildReady;
            resolve(ready);
          } else {
            last = line;
            args.log(line);
          }
        }
      });
      started.once("exit", (code, signal) => {
        if (!up) reject(new Error(`the stack process exited (${signal ?? code}) before it was ready: ${last}`));
      });
    });

  const get = async <T>(url: string): Promise<T> => {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return (await response.json()) as T;
  };
  const current = (): StackChildReady => {
    if (!ready) throw new Error("the stack is not running");
    return ready;
  };

  await launch();
  return {
    info: current,
    dataDir: args.dataDir,
    apiUrl: (service) => `${current().functionsUrls[service]}/api`,
    topicEndpoint: (topic) => current().topicEndpoints[topic]!,
    idle: async (timeoutInMs) => {
      const deadline = Date.now() + timeoutInMs;
      let busy = "";
      while (Date.now() < deadline) {
        try {
          const status = await get<{ idle: boolean; busy: string }>(`${current().eventGridUrl}/status`);
          if (status.idle) return;
          busy = status.busy;
        } catch (error) {
          busy = `emulator unreachable: ${(error as Error).message}`;
        }
        await sleep(100);
      }
      throw new Error(`Event Grid emulator still busy after ${timeoutInMs} ms (${busy}).`);
    },
    deliveries: () => get<DeliveryRecord[]>(`${current().eventGridUrl}/deliveries`),
    deadLetters: () => get<DeadLetter[]>(`${current().eventGridUrl}/dead-letters`),
    hosts: async () => (await get<{ hosts: HostInfo[] }>(`${current().devUrl}/admin/hosts`)).hosts,
    waitUntilUp: async (service, timeoutInMs) => {
      const deadline = Date.now() + timeoutInMs;
      while (Date.now() < deadline) {
        try {
          if ((await get<HostInfo>(`${current().devUrl}/admin/hosts/${service}`)).state === "up") return;
        } catch {
          /* the stack is restarting */
        }
        await sleep(100);
      }
      throw new Error(`the host of ${service} was not up within ${timeoutInMs} ms`);
    },
    killWholeStack: async () => {
      const victim = child;
      const exited = new Promise<void>((resolve) => (victim?.exitCode !== null || victim.signalCode !== null ? resolve() : victim.once("exit", () => resolve())));
      victim?.kill("SIGKILL");
      await exited;
      // The hosts notice their parent is gone within a quarter of a second and stop; their ports come free.
      const all = [ports.cosmos, ports.eventGrid, ports.dev, ...serviceNames.map((_, i) => ports.functions + i)];
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !(await Promise.all(all.map(isFree))).every(Boolean)) await sleep(100);
      return { pid: victim?.pid };
    },
    restart: () => launch(),
    stop: async () => {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
};
