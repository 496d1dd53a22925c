import path from "node:path";
import { startLocalStack } from "../src/local/stack";

/**
 * `npm run bench`: how long an order takes from POST to Confirmed on the local stack, sequential and concurrent,
 * with one Functions host for all services and with one host per service (as in Azure), side by side in one run.
 * Prints figures; asserts nothing. Absolute times depend on the machine; compare the ratios.
 */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const run = async (hostPerService: boolean) => {
  const stack = await startLocalStack({
    appRoot: path.resolve(__dirname, "../.."),
    ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
    hostPerService,
    disableTimers: true,
    log: () => undefined,
  });
  try {
    const api = (service: "orders" | "inventory") => `${stack.functionsUrls[service]}/api`;
    await fetch(`${api("inventory")}/inventory/BENCH`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ available: 1_000_000 }) });
    const placeAndWait = async (): Promise<number> => {
      const started = performance.now();
      const response = await fetch(`${api("orders")}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ customerId: "bench", items: [{ sku: "BENCH", quantity: 1, unitPrice: 1 }], currency: "EUR", paymentToken: "tok_visa" }),
      });
      const { orderId } = (await response.json()) as { orderId: string };
      for (let i = 0; i < 2_000; i++) {
        const order = (await (await fetch(`${api("orders")}/orders/${orderId}`)).json()) as { status: string; invoice: unknown };
        if (order.status === "Confirmed" && order.invoice) return performance.now() - started;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`order ${orderId} did not confirm`);
    };
    await placeAndWait(); // warm-up: first invocations load modules and open connections
    const sequential: number[] = [];
    for (let i = 0; i < ORDERS; i++) sequential.push(await placeAndWait());
    const concurrentStart = performance.now();
    const concurrent: number[] = [];
    for (let i = 0; i < ORDERS; i += CONCURRENCY) concurrent.push(...(await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ORDERS - i) }, placeAndWait))));
    const wall = performance.now() - concurrentStart;
    sequential.sort((a, b) => a - b);
    concurrent.sort((a, b) => a - b);
    return { sequential, concurrent, throughput: (ORDERS / wall) * 1000, deliveries: stack.eventGrid.deliveries().length };
  } finally {
    await stack.stop();
  }
};

const main = async () => {
  console.log(`Orders: ${ORDERS} sequential, then ${ORDERS} in waves of ${CONCURRENCY}. Time = POST until Confirmed with invoice.`);
  const rows: [string, Awaited<ReturnType<typeof run>>][] = [];
  for (const hostPerService of [false, true]) {
    const label = hostPerService ? "one host per service" : "one host for all";
    process.stdout.write(`running: ${label}…\n`);
    rows.push([label, await run(hostPerService)]);
  }
  for (const [label, r] of rows) {
    console.log(
      `${label.padEnd(22)} sequential p50 ${percentile(r.sequential, 50).toFixed(0)} ms, p95 ${percentile(r.sequential, 95).toFixed(0)} ms | ` +
        `concurrent p50 ${percentile(r.concurrent, 50).toFixed(0)} ms, p95 ${percentile(r.concurrent, 95).toFixed(0)} ms | ` +
        `${r.throughput.toFixed(1)} orders/s | ${r.deliveries} deliveries`,
    );
  }
  const [a, b] = rows.map(([, r]) => percentile(r.sequential, 50));
  if (a && b) console.log(`ratio sequential p50 (per-service / single host): ${(b / a).toFixed(2)}`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
