/**
 * infra/scripts/smoke-test.sh against a local stand-in of a deployment: a fake `az` (app host names, a token) and an
 * HTTP server that answers like the orders and inventory apps behind App Service authentication.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot } from "../../scripts/gen-infra";

const root = findRepoRoot(__dirname);
const TOKEN = "smoke-test-token";

interface StandIn {
  readonly requests: string[];
  port: number;
}

const startStandIn = async (finalStatus: "Confirmed" | "Cancelled", pendingPolls: number): Promise<{ server: Server; state: StandIn }> => {
  const state: StandIn = { requests: [], port: 0 };
  let polls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      state.requests.push(`${req.method} ${req.url}${body ? ` ${body}` : ""}`);
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, {});
      if (req.method === "PUT" && req.url?.startsWith("/api/inventory/SMOKE-")) return reply(200, { available: 1 });
      if (req.method === "POST" && req.url === "/api/orders") return reply(202, { orderId: "o-1", correlationId: "f-1", status: "Pending" });
      if (req.method === "GET" && req.url === "/api/orders/o-1") {
        polls += 1;
        return reply(200, { orderId: "o-1", status: polls > pendingPolls ? finalStatus : "Pending", invoice: { status: "Sent" } });
      }
      return reply(404, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  return { server, state };
};

const runSmokeTest = async (port: number): Promise<{ code: number | null; output: string }> => {
  const bin = mkdtempSync(join(tmpdir(), "fake-az-"));
  const az = join(bin, "az");
  // Answers the two az calls the script makes; anything else fails loudly.
  writeFileSync(
    az,
    `#!/bin/sh
case "$1 $2" in
  "functionapp list") echo "127.0.0.1:${port}" ;;
  "account get-access-token") echo "${TOKEN}" ;;
  *) echo "unexpected az $*" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(az, 0o755);
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn("sh", [join(root, "infra", "scripts", "smoke-test.sh")], {
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          AZURE_RESOURCE_GROUP: "rg-smoke",
          API_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
          SMOKE_SCHEME: "http",
          SMOKE_POLL_SECONDS: "0",
          SMOKE_TIMEOUT_SECONDS: "20",
        },
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
    });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
};

describe("infra/scripts/smoke-test.sh", () => {
  it("stocks a SKU, places an order with the token and succeeds once the order is Confirmed", async () => {
    const { server, state } = await startStandIn("Confirmed", 2);
    try {
      const { code, output } = await runSmokeTest(state.port);
      expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining("Confirmed after") });
      expect(output).toContain("(expected 401)");
      expect(output).toMatch(/answers: 401/);
      const calls = state.requests.map((r) => r.split(" ").slice(0, 2).join(" "));
      expect(calls[0]).toBe("GET /api/orders/none");
      expect(calls[1]).toMatch(/^PUT \/api\/inventory\/SMOKE-\d+$/);
      expect(calls[2]).toBe("POST /api/orders");
      expect(calls.slice(3)).toEqual(["GET /api/orders/o-1", "GET /api/orders/o-1", "GET /api/orders/o-1"]);
      expect(state.requests[2]).toContain('"paymentToken":"tok_visa"');
    } finally {
      server.close();
    }
  });

  it("fails when the order is Cancelled", async () => {
    const { server, state } = await startStandIn("Cancelled", 0);
    try {
      const { code, output } = await runSmokeTest(state.port);
      expect(code).toBe(1);
      expect(output).toContain("Cancelled after");
    } finally {
      server.close();
    }
  });
});
