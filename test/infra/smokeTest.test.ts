/**
 * infra/scripts/smoke-test.sh against a local stand-in of a deployment: a fake `az` (app host names, a token) and an
 * HTTP server that answers like the orders and inventory apps behind App Service authentication.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { findRepoRoot } from "#scripts/gen-infra";
import { runWithFakeAz } from "./fakeAz";

const root = findRepoRoot(__dirname);
const TOKEN = "smoke-test-token";

interface StandIn {
  readonly requests: string[];
  port: number;
}

/** `open`: the stand-in serves calls without a token too, as an app whose authentication is off would. */
const PAYMENT_METHOD_ID = `pm_${"a".repeat(32)}`;

const startStandIn = async (finalStatus: "Confirmed" | "Cancelled", pendingPolls: number, open = false): Promise<{ server: Server; state: StandIn }> => {
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
      if (!open && req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, {});
      if (req.method === "PUT" && req.url?.startsWith("/api/inventory/SMOKE-")) return reply(200, { available: 1 });
      if (req.method === "POST" && req.url === "/api/payment-methods") return reply(201, { paymentMethodId: PAYMENT_METHOD_ID });
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

const runSmokeTest = (port: number) =>
  // Answers the two az calls the script makes; anything else fails loudly.
  runWithFakeAz(
    join(root, "infra", "scripts", "smoke-test.sh"),
    { "functionapp list": `echo "127.0.0.1:${port}"`, "account get-access-token": `echo "${TOKEN}"` },
    {
      AZURE_RESOURCE_GROUP: "rg-smoke",
      API_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
      SMOKE_SCHEME: "http",
      SMOKE_POLL_SECONDS: "0",
      SMOKE_TIMEOUT_SECONDS: "20",
    },
  );

describe("infra/scripts/smoke-test.sh", () => {
  it("stocks a SKU, registers the card with payments, places an order naming it and succeeds once the order is Confirmed", async () => {
    const { server, state } = await startStandIn("Confirmed", 2);
    try {
      const { code, output } = await runSmokeTest(state.port);
      expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining("Confirmed after") });
      const calls = state.requests.map((r) => r.split(" ").slice(0, 2).join(" "));
      // First without a token, a read and each write route it uses (both must be 401), then the order flow.
      expect(calls.slice(0, 4)).toEqual(["GET /api/orders/none", "POST /api/orders", expect.stringMatching(/^PUT \/api\/inventory\/SMOKE-/), "POST /api/payment-methods"]);
      expect(calls[4]).toMatch(/^PUT \/api\/inventory\/SMOKE-\d+$/);
      expect(calls.slice(5, 7)).toEqual(["POST /api/payment-methods", "POST /api/orders"]);
      expect(calls.slice(7)).toEqual(["GET /api/orders/o-1", "GET /api/orders/o-1", "GET /api/orders/o-1"]);
      // The card token goes to payments alone; the order carries only the reference.
      expect(state.requests[5]).toContain('"paymentToken":"tok_visa"');
      expect(state.requests[6]).toContain(`"paymentMethodId":"${PAYMENT_METHOD_ID}"`);
      expect(state.requests[6]).not.toContain("tok_visa");
    } finally {
      server.close();
    }
  });

  it("fails, before writing anything, when a call without a token is served (authentication off)", async () => {
    const { server, state } = await startStandIn("Confirmed", 0, true);
    try {
      const { code, output } = await runSmokeTest(state.port);
      expect(code).toBe(1);
      expect(output).toMatch(/GET .*\/api\/orders\/none answered 404 without a token \(expected 401\)/);
      expect(state.requests).toEqual(["GET /api/orders/none"]);
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
