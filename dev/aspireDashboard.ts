import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { stopChildProcess } from "./stopChildProcess";

/** Pinned with scripts/install-aspire.sh, which restores it from NuGet into `.tools/`. */
export const ASPIRE_DASHBOARD_VERSION = "13.6.5";
const READY_TIMEOUT_MS = 60_000;

export interface AspireDashboard {
  /** The trace viewer's UI, and its telemetry HTTP API under `/api/telemetry`. */
  readonly url: string;
  /** What hosts set as `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/HTTP). */
  readonly otlpHttpUrl: string;
  stop(): Promise<void>;
}

/** The restored dashboard executable (self-contained, linux-x64), if install-aspire.sh has run. */
export const findAspireDashboard = (appRoot: string): string | undefined => {
  const tools = path.join(appRoot, ".tools", "nuget", "aspire.dashboard.sdk.linux-x64", ASPIRE_DASHBOARD_VERSION, "tools");
  const binary = path.join(tools, "Aspire.Dashboard");
  return existsSync(binary) && readdirSync(tools).length > 0 ? binary : undefined;
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });

/**
 * Starts the Aspire Dashboard as the local trace viewer: unsecured (no browser token, no OTLP key, open telemetry
 * API) and therefore bound to 127.0.0.1 only. Resolves once it listens; rejects with its output if it does not.
 */
const DASHBOARD_WARDEN = `
const { spawn } = require("node:child_process");
const dashboard = spawn(process.argv[1], [], { stdio: "inherit" });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  dashboard.kill("SIGTERM");
  setTimeout(() => dashboard.kill("SIGKILL"), 5000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) stop(); }, 250).unref();
dashboard.on("exit", (code) => process.exit(code ?? 0));
dashboard.on("error", (error) => { console.error(error.message); process.exit(1); });
`;

export const startAspireDashboard = async (options: {
  readonly binary: string;
  readonly ports?: { readonly ui?: number; readonly otlpHttp?: number; readonly otlpGrpc?: number };
  readonly log?: (line: string) => void;
}): Promise<AspireDashboard> => {
  const ui = options.ports?.ui || (await freePort());
  const otlpHttp = options.ports?.otlpHttp || (await freePort());
  const otlpGrpc = options.ports?.otlpGrpc || (await freePort());
  const url = `http://127.0.0.1:${ui}`;
  // The dashboard is a .NET process that would outlive a stack killed outright (SIGKILL, a closed terminal) and keep
  // its ports. So a small Node warden runs it: the warden passes SIGTERM/SIGINT on, and stops the dashboard once its
  // own parent is gone (as exitWithParent.ts does for the hosts and Azurite); it exits with the dashboard.
  const child: ChildProcess = spawn(process.execPath, ["-e", DASHBOARD_WARDEN, options.binary], {
    cwd: path.dirname(options.binary),
    env: {
      ...process.env,
      ASPNETCORE_URLS: url,
      ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL: `http://127.0.0.1:${otlpHttp}`,
      ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL: `http://127.0.0.1:${otlpGrpc}`,
      ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS: "true",
      ASPIRE_DASHBOARD_API_ENABLED: "true",
      DOTNET_CLI_TELEMETRY_OPTOUT: "1",
      DOTNET_NOLOGO: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      output.push(line);
      if (output.length > 200) output.shift();
      options.log?.(line);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const stop = (): Promise<void> => stopChildProcess(child, 5_000);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Aspire Dashboard exited with ${child.exitCode}:\n${output.join("\n")}`);
    const ready = await fetch(`${url}/api/telemetry/traces`).then((r) => r.ok, () => false);
    if (ready) return { url, otlpHttpUrl: `http://127.0.0.1:${otlpHttp}`, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`Aspire Dashboard did not answer within ${READY_TIMEOUT_MS} ms:\n${output.join("\n")}`);
};

const hasDotnet = (): boolean => spawnSync("dotnet", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * `npm start`'s trace viewer: the restored Aspire Dashboard, restoring it first (once) when dotnet is present.
 * Never fails the stack: without dotnet, or when the viewer will not start, it says so in one line and goes on.
 */
export const startLocalTraceViewer = async (appRoot: string, say: (line: string) => void): Promise<AspireDashboard | undefined> => {
  let binary = findAspireDashboard(appRoot);
  if (!binary) {
    if (!hasDotnet()) {
      say("Trace viewer: off (no dotnet on PATH to restore the Aspire Dashboard; see scripts/install-aspire.sh).");
      return undefined;
    }
    say(`Trace viewer: restoring the Aspire Dashboard ${ASPIRE_DASHBOARD_VERSION} from NuGet into .tools/ (once)…`);
    spawnSync("bash", [path.join(appRoot, "scripts", "install-aspire.sh")], { stdio: "ignore" });
    binary = findAspireDashboard(appRoot);
  }
  if (!binary) {
    say("Trace viewer: off (scripts/install-aspire.sh could not restore the Aspire Dashboard; run it to see why).");
    return undefined;
  }
  try {
    return await startAspireDashboard({ binary, ports: { ui: 18888, otlpHttp: 4318, otlpGrpc: 4317 } });
  } catch (error) {
    say(`Trace viewer: off (${(error instanceof Error ? error.message : String(error)).split("\n")[0]}).`);
    return undefined;
  }
};
