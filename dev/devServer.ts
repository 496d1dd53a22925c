import * as http from "node:http";
import { sendJson as json, type Simulator } from "./simulators/types";
import { closeServer, listen } from "@azure-choreography/server-kit";

export interface DevServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  bind?: string;
  simulators: readonly Simulator[];
  /** One line per request; defaults to console.log. */
  log?: (line: string) => void;
}

export interface DevServer {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Error codes the dev server itself answers with, as problem details. */
export type DevServerErrorCode = "DEV.NOT_FOUND" | "DEV.METHOD_NOT_ALLOWED" | "DEV.BODY_TOO_LARGE" | "DEV.SIMULATOR_FAILED";

/**
 * One HTTP server for every third-party simulator: routes by `basePath` (longest first), reads the body once,
 * and answers `GET /dev` with what is hosted and `POST /dev/reset` by resetting every simulator.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const simulators = [...options.simulators].sort((a, b) => b.basePath.length - a.basePath.length);
  const seen = new Set<string>();
  for (const simulator of simulators) {
    if (!/^\/[^?#]*[^/]$/.test(simulator.basePath)) {
      throw new Error(`Simulator '${simulator.name}': basePath must start with / and not end with /.`);
    }
    if (seen.has(simulator.basePath)) throw new Error(`Two simulators share basePath ${simulator.basePath}.`);
    seen.add(simulator.basePath);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://dev");
    res.on("finish", () => log(`dev: ${req.method} ${url.pathname} → ${res.statusCode}`));
    handle(req, res, url).catch((error: unknown) => {
      log(`dev: ${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) problem(res, 500, "DEV.SIMULATOR_FAILED", "The simulator failed; see the dev server log.");
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (path === "/dev" && req.method === "GET") {
      json(res, 200, { simulators: simulators.map((s) => describe(s)) });
      return;
    }
    const read = await readBody(req);
    if (read.kind === "aborted") return;
    if (read.kind === "tooLarge") {
      problem(res, 413, "DEV.BODY_TOO_LARGE", `The request body is over ${MAX_BODY_BYTES} bytes.`);
      return;
    }
    const body = read.body;
    if (path === "/dev/reset" && req.method === "POST") {
      for (const simulator of simulators) await simulator.reset?.();
      json(res, 200, { reset: simulators.map((s) => s.name) });
      return;
    }
    const simulator = simulators.find((s) => path === s.basePath || path.startsWith(`${s.basePath}/`));
    if (simulator && (await simulator.handle(req, res, url, body))) return;
    const allowed = [...new Set((simulator?.endpoints ?? []).filter((e) => templateMatches(e.path, path)).map((e) => e.method.toUpperCase()))].sort();
    // A listed method that still fell through is a missing resource, not a wrong method.
    if (allowed.length > 0 && !allowed.includes((req.method ?? "").toUpperCase())) {
      problem(res, 405, "DEV.METHOD_NOT_ALLOWED", `${url.pathname} answers ${allowed.join(", ")}, not ${req.method}.`, { allow: allowed.join(", ") });
      return;
    }
    problem(res, 404, "DEV.NOT_FOUND", `Nothing answers ${req.method} ${url.pathname}; GET /dev lists the simulators.`);
  }

  function describe(simulator: Simulator): unknown {
    return {
      name: simulator.name,
      basePath: simulator.basePath,
      url: `${baseUrl}${simulator.basePath}`,
      endpoints: simulator.endpoints ?? [],
    };
  }

  const { port, baseUrl } = await listen(server, options.port, options.bind ?? "127.0.0.1");
  return {
    url: baseUrl,
    port,
    close: () => closeServer(server),
  };
}

type BodyRead = { kind: "ok"; body: Buffer } | { kind: "tooLarge" } | { kind: "aborted" };

/** Drains an over-cap body so the client reads the 413 rather than a reset. */
function readBody(req: http.IncomingMessage): Promise<BodyRead> {
  return new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
      // Past 16 MB the client is not making a mistake worth answering politely.
      else if (bytes > 16 * MAX_BODY_BYTES) req.destroy();
    });
    const settle = (): void => {
      // A body cut short must never reach a simulator: a truncated charge request is not a charge request.
      if (!req.complete) resolve({ kind: "aborted" });
      else resolve(bytes > MAX_BODY_BYTES ? { kind: "tooLarge" } : { kind: "ok", body: Buffer.concat(chunks) });
    };
    req.on("end", settle);
    req.on("close", settle);
    req.on("error", reject);
  });
}

/** Whether a listed endpoint path such as `/dev/crm/contacts/{contactId}` covers `path`. */
function templateMatches(template: string, path: string): boolean {
  const pattern = template
    .split("/")
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${pattern}$`).test(path);
}

function problem(res: http.ServerResponse, status: number, code: DevServerErrorCode, detail: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ type: "about:blank", title: http.STATUS_CODES[status], status, code, detail });
  res.writeHead(status, {
    "content-type": "application/problem+json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
