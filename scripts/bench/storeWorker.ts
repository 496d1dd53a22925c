import { OperationInput } from "@azure/cosmos";
import { ownCpuMs, workerArgs } from "./childProcess";
import { localCosmosClient } from "@azure-choreography/cosmos-server";

/**
 * Loads the local Cosmos-protocol server with one kind of operation through the real @azure/cosmos client, as the
 * Functions hosts do, and prints how many completed: the server's rate for that operation.
 */
export type StoreOp = "readHit" | "readMiss" | "batch" | "query";
const args = workerArgs<{
  endpoint: string; key: string; database: string; container: string;
  op: StoreOp; durationMs: number; concurrency: number; opsPerBatch: number; docBytes: number; docsPerQuery: number;
}>();

const main = async () => {
  const client = localCosmosClient(args.endpoint, args.key);
  const container = client.database(args.database).container(args.container);
  const padding = "x".repeat(Math.max(0, args.docBytes - 120));
  const pk = `bench-${process.pid}`;
  for (let i = 0; i < Math.max(args.docsPerQuery, 1); i++) {
    await container.items.upsert({ id: `doc-${i}`, pk, kind: "bench", padding });
  }
  let seq = 0;
  const once = async (): Promise<void> => {
    switch (args.op) {
      case "readHit":
        await container.item("doc-0", pk).read();
        return;
      case "readMiss":
        await container.item(`missing-${seq++}`, pk).read().catch(() => undefined);
        return;
      case "batch": {
        // A reaction's commit: creates of fresh documents in one partition (its inbox, outbox and state records).
        const partition = `${pk}-${seq++}`;
        const operations: OperationInput[] = Array.from({ length: args.opsPerBatch }, (_, i) => ({
          operationType: "Create", resourceBody: { id: `d${i}`, pk: partition, kind: "bench", padding },
        }));
        const response = await container.items.batch(operations, partition);
        if (response.result?.some((r) => r.statusCode >= 400)) throw new Error("batch refused");
        return;
      }
      case "query":
        await container.items
          .query({ query: "SELECT * FROM c WHERE c.pk = @pk", parameters: [{ name: "@pk", value: pk }] }, { partitionKey: pk })
          .fetchAll();
        return;
    }
  };
  const loop = async (until: number, tally: { ops: number }) => {
    while (performance.now() < until) {
      await once();
      tally.ops += 1;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, () => loop(performance.now() + 500, { ops: 0 })));
  const tally = { ops: 0 };
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: args.concurrency }, () => loop(t0 + args.durationMs, tally)));
  const wallMs = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ op: args.op, ops: tally.ops, wallMs, clientCpuMs: ownCpuMs() - cpu0 })}\n`);
  client.dispose();
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
