import path from "node:path";
import { localDataDir, readStackInfo } from "../../src/local/stackInfo";
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
  body: any;
}

const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

const expectStatus = (what: string, reply: Reply, status: number): any => {
  if (reply.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
};

/** Polls until `done` holds for the resource, giving up after 30 s with what it last saw. */
const until = async (what: string, url: string, done: (body: any) => boolean): Promise<any> => {
  const deadline = Date.now() + 30_000;
  let last: Reply | undefined;
  while (Date.now() < deadline) {
    last = await call("GET", url);
    if (last.status === 200 && done(last.body)) return last.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not settle within 30 s; last: ${JSON.stringify(last?.body)}`);
};

const timeline = async (title: string, correlationId: string, summary: string): Promise<void> => {
  // The journal records every event as it is delivered; wait until it stops growing.
  let events: any[] = [];
  for (let stable = 0; stable < 3; ) {
    const reply = await call("GET", `${api("journal")}/flows/${correlationId}`);
    const next = reply.status === 200 ? (reply.body.events as any[]) : [];
    stable = next.length === events.length && next.length > 0 ? stable + 1 : 0;
    events = next;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const start = Date.parse(events[0]?.time ?? new Date().toISOString());
  console.log(`\n${title}  (flow ${correlationId})\n  ${summary}`);
  for (const e of events) {
    const offset = `+${String(Date.parse(e.time) - start).padStart(5)} ms`;
    console.log(`  ${offset}  ${String(e.type).padEnd(34)} from ${String(e.source).replace("/services/", "").padEnd(13)} ${e.subject ?? ""}`);
  }
};

const main = async (): Promise<void> => {
  const run = Date.now().toString(36);
  console.log(`Against ${info ? "the running npm start" : fallback} (${api("orders")} …)`);

  const sku = `SKU-DEMO-${run}`;
  expectStatus("set stock", await call("PUT", `${api("inventory")}/inventory/${sku}`, { available: 5 }), 200);
  const order = expectStatus(
    "place order",
    await call("POST", `${api("orders")}/orders`, { customerId: "c-demo", items: [{ sku, quantity: 2, unitPrice: 19.99 }], currency: "EUR", paymentToken: "tok_visa" }, { "Idempotency-Key": `demo-${run}` }),
    202,
  );
  const settled = await until("the order", `${api("orders")}/orders/${order.orderId}`, (o) => o.status !== "Pending");
  await timeline("1. Order", order.correlationId, `order ${order.orderId}: ${settled.status}, inventory ${settled.inventory}, payment ${settled.payment}`);

  const user = expectStatus("sign up", await call("POST", `${api("users")}/users`, { email: `demo-${run}@example.com`, name: "Demo User" }), 202);
  const onboarded = await until("the sign-up", `${api("users")}/users/${user.userId}`, (u) => u.status === "Onboarded");
  await timeline("2. User onboarding", user.correlationId, `user ${user.userId}: ${onboarded.status} ${JSON.stringify(onboarded.onboarding)}`);

  const topUp = expectStatus(
    "top up",
    await call("POST", `${api("ledger")}/wallets/${user.userId}/top-ups`, { amount: 25.5, currency: "EUR", bankToken: "bank_ok" }, { "Idempotency-Key": `demo-topup-${run}` }),
    202,
  );
  const done = await until("the top-up", `${api("ledger")}/wallets/${user.userId}/top-ups/${topUp.topUpId}`, (t) => t.status !== "Initiated");
  const wallet = (await call("GET", `${api("ledger")}/wallets/${user.userId}`)).body;
  await timeline("3. Wallet top-up", topUp.correlationId, `top-up ${topUp.topUpId}: ${done.status}; balance ${wallet?.balance}`);
};

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(/fetch failed|ECONNREFUSED/.test(message) ? `No stack answers at ${api("orders")}: start it with npm start (${message})` : `demo failed: ${message}`);
  process.exit(1);
});
