import path from "node:path";
import type { z } from "zod";
import { apiReplies, parseReply } from "../../dev/apiReplies";
import { localDataDir, readStackInfo } from "../../dev/stackInfo";
import type { ServiceName } from "../../src/topology";

/**
 * `npm run demo`: runs the three business flows against a running `npm start` (one host or one per service) and
 * prints each flow's timeline from the journal: what happened, in causal order, how long after the flow began.
 */
const info = readStackInfo(localDataDir(path.resolve(__dirname, "../..")));
const fallback = process.env.DEMO_API_URL?.replace(/\/api\/?$/, "") ?? "http://127.0.0.1:7071";
const api = (service: ServiceName): string => `${info?.functionsUrls[service] ?? fallback}/api`;

interface Reply {
  status: number;
  body: unknown;
}

const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
};

const expectStatus = <T>(what: string, reply: Reply, status: number, schema: z.ZodType<T>): T => {
  if (reply.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  return parseReply(schema, reply.body, what);
};

/** Polls until `done` holds for the resource, giving up after 30 s with what it last saw. */
const until = async <T>(what: string, url: string, schema: z.ZodType<T>, done: (body: T) => boolean): Promise<T> => {
  const deadline = Date.now() + 30_000;
  let last: Reply | undefined;
  while (Date.now() < deadline) {
    last = await call("GET", url);
    if (last.status === 200) {
      const body = parseReply(schema, last.body, `GET ${url}`);
      if (done(body)) return body;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not settle within 30 s; last: ${JSON.stringify(last?.body)}`);
};

const timeline = async (title: string, correlationId: string, summary: string): Promise<void> => {
  // The journal records every event as it is delivered; wait until it stops growing.
  let events: z.infer<typeof apiReplies.flow>["events"] = [];
  for (let stable = 0; stable < 3; ) {
    const url = `${api("journal")}/flows/${correlationId}`;
    const reply = await call("GET", url);
    const next = reply.status === 200 ? parseReply(apiReplies.flow, reply.body, `GET ${url}`).events : [];
    stable = next.length === events.length && next.length > 0 ? stable + 1 : 0;
    events = next;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const start = Date.parse(events[0]?.time ?? new Date().toISOString());
  console.log(`\n${title}  (flow ${correlationId})\n  ${summary}`);
  for (const e of events) {
    const offset = `+${String(Date.parse(e.time) - start).padStart(5)} ms`;
    console.log(`  ${offset}  ${e.type.padEnd(34)} from ${e.source.replace("/services/", "").padEnd(13)} ${e.subject ?? ""}`);
  }
};

const main = async (): Promise<void> => {
  const run = Date.now().toString(36);
  console.log(`Against ${info ? "the running npm start" : fallback} (${api("orders")} …)`);

  const sku = `SKU-DEMO-${run}`;
  expectStatus("set stock", await call("PUT", `${api("inventory")}/inventory/${sku}`, { available: 5 }), 200, apiReplies.stockLevel);
  const order = expectStatus(
    "place order",
    await call("POST", `${api("orders")}/orders`, { customerId: "c-demo", items: [{ sku, quantity: 2, unitPrice: 19.99 }], currency: "EUR", paymentToken: "tok_visa" }, { "Idempotency-Key": `demo-${run}` }),
    202,
    apiReplies.orderAccepted,
  );
  const settled = await until("the order", `${api("orders")}/orders/${order.orderId}`, apiReplies.order, (o) => o.status !== "Pending");
  await timeline("1. Order", order.correlationId, `order ${order.orderId}: ${settled.status}, inventory ${settled.inventory}, payment ${settled.payment}`);

  const user = expectStatus("sign up", await call("POST", `${api("users")}/users`, { email: `demo-${run}@example.com`, name: "Demo User" }), 202, apiReplies.userAccepted);
  const onboarded = await until("the sign-up", `${api("users")}/users/${user.userId}`, apiReplies.user, (u) => u.status === "Onboarded");
  await timeline("2. User onboarding", user.correlationId, `user ${user.userId}: ${onboarded.status} ${JSON.stringify(onboarded.onboarding)}`);

  const topUp = expectStatus(
    "top up",
    await call("POST", `${api("ledger")}/wallets/${user.userId}/top-ups`, { amount: 25.5, currency: "EUR", bankToken: "bank_ok" }, { "Idempotency-Key": `demo-topup-${run}` }),
    202,
    apiReplies.topUpAccepted,
  );
  const done = await until("the top-up", `${api("ledger")}/wallets/${user.userId}/top-ups/${topUp.topUpId}`, apiReplies.topUp, (t) => t.status !== "Initiated");
  const wallet = expectStatus("read the wallet", await call("GET", `${api("ledger")}/wallets/${user.userId}`), 200, apiReplies.wallet);
  await timeline("3. Wallet top-up", topUp.correlationId, `top-up ${topUp.topUpId}: ${done.status}; balance ${wallet.balance}`);
};

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(/fetch failed|ECONNREFUSED/.test(message) ? `No stack answers at ${api("orders")}: start it with npm start (${message})` : `demo failed: ${message}`);
  process.exit(1);
});
