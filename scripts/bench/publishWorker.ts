import { CloudEventEnvelope } from "../../src/events/envelope";
import { parseConfig } from "../../src/platform/config";
import { PublisherKind, createEventGridPublisher, createTopicClients } from "../../src/platform/publisher";
import { ownCpuMs, workerArgs } from "./childProcess";

/** Publishes for a while with one publisher kind and prints sends, CPU and wall time: one side of the comparison. */
const args = workerArgs<{ kind: PublisherKind; endpoint: string; key: string; durationMs: number; concurrency: number; eventsPerSend: number }>();

const main = async () => {
  const config = parseConfig({
    COSMOS__accountEndpoint: "http://127.0.0.1:1/",
    ALLOW_INSECURE_CONNECTIONS: "true",
    EVENTGRID_ORDERS__topicEndpointUri: args.endpoint,
    EVENTGRID_ORDERS__key: args.key,
  });
  const publisher = createEventGridPublisher(createTopicClients(config, () => { throw new Error("keys only"); }, args.kind));
  let n = 0;
  // What an outbox relay sends: an event of one decision with its flow extensions and a small payload.
  const events = (): CloudEventEnvelope[] =>
    Array.from({ length: args.eventsPerSend }, () => ({
      specversion: "1.0", id: `bench-${process.pid}-${n++}`, source: "/services/orders", type: "Orders.OrderConfirmed.v1",
      subject: "orders/bench", time: new Date().toISOString(), correlationid: "bench-flow", causationid: "bench-cause",
      traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
      data: { orderId: "bench", customerId: "bench", total: 12.5, currency: "EUR", items: [{ sku: "BENCH", quantity: 1, unitPrice: 12.5 }] },
    }));
  const loop = async (until: number, tally: { sends: number }) => {
    while (performance.now() < until) {
      await publisher.publishEvents(events());
      tally.sends += 1;
    }
  };
  const warm = { sends: 0 };
  await Promise.all(Array.from({ length: args.concurrency }, () => loop(performance.now() + Math.min(1000, args.durationMs / 4), warm)));
  const tally = { sends: 0 };
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: args.concurrency }, () => loop(t0 + args.durationMs, tally)));
  const wallMs = performance.now() - t0;
  const cpuMs = ownCpuMs() - cpu0;
  process.stdout.write(`${JSON.stringify({ kind: args.kind, sends: tally.sends, wallMs, cpuMs })}\n`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
