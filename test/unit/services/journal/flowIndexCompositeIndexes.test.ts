/**
 * The flow listing against a Cosmos-protocol server that, like Cosmos DB, refuses an ORDER BY over several properties
 * unless a composite index of the container serves it (@vercel/cosmosdb-server checks the container's indexing
 * policy). With the journal's indexing policy (src/containerIndexing.ts, what Bicep deploys and the local stack creates:
 * only the queried paths, and JOURNAL_COMPOSITE_INDEXES) every variant of the query is served as
 * written; a container without them still lists, ordered by lastChangedAt alone, and says so once. And a flow's
 * steps, projected from its entries.
 */
import { Agent } from "node:https";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Container, CosmosClient } from "@azure/cosmos";
import { default as cosmosServer } from "@vercel/cosmosdb-server";
import { flowNames } from "#src/flows";
import { indexingPolicyOf } from "#src/containerIndexing";
import { JOURNAL_COMPOSITE_INDEXES, createCosmosFlowIndex } from "#src/services/journal/flowIndex";
import { FLOW_SUMMARY_ID } from "#src/services/journal/flowSummary";
import { Deadlines, flowStatuses } from "#src/services/journal/flowStatus";

const deadlines = Object.fromEntries(flowNames.map((f) => [f, 60_000])) as Deadlines;
const now = new Date("2026-01-01T01:00:00Z");

let server: Server;
let client: CosmosClient;
let indexed: Container;
let unindexed: Container;

const summary = (i: number, flow: string) => ({
  id: FLOW_SUMMARY_ID,
  pk: `flow-${i}`,
  kind: "flowSummary",
  flow,
  startedAt: new Date(now.getTime() - 30 * 60_000 + i * 1_000).toISOString(),
  startSeen: true,
  ended: null,
  endedAt: null,
  lastChangedAt: new Date(now.getTime() - 10 * 60_000 + i * 1_000).toISOString(),
});

const entry = (id: string, type: string, source: string, causationid?: string) => ({
  id: `event:${id}`,
  pk: "flow-0",
  kind: "journalEntry",
  recordedAt: now.toISOString(),
  event: { specversion: "1.0", id, type, source, time: now.toISOString(), correlationid: "flow-0", ...(causationid ? { causationid } : {}), data: { secret: "x".repeat(500) } },
});

beforeAll(async () => {
  server = cosmosServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  client = new CosmosClient({
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key: "local",
    // The test server's certificate is self-signed.
    agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const { database } = await client.databases.createIfNotExists({ id: "choreography" });
  const partitionKey = { paths: ["/pk"] };
  const indexingPolicy = indexingPolicyOf("journal");
  expect(indexingPolicy.compositeIndexes).toEqual(JOURNAL_COMPOSITE_INDEXES);
  ({ container: indexed } = await database.containers.createIfNotExists({ id: "journal", partitionKey, indexingPolicy }));
  ({ container: unindexed } = await database.containers.createIfNotExists({ id: "journal-unindexed", partitionKey }));
  for (const container of [indexed, unindexed]) {
    for (let i = 0; i < 6; i++) await container.items.create(summary(i, flowNames[i % flowNames.length]!));
    // A summary of the shape before 2026-12-06 (steps, no lastChangedAt), left to expire: never listed.
    await container.items.create({ id: "flowSummary", pk: "flow-old", kind: "flowSummary", flow: null, startedAt: now.toISOString(), lastEventAt: now.toISOString(), steps: [] });
  }
  await indexed.items.create(entry("e-1", "Orders.OrderPlaced.v2", "/services/orders"));
  await indexed.items.create(entry("e-2", "Inventory.StockReserved.v1", "/services/inventory", "e-1"));
}, 60_000);

afterAll(async () => {
  client?.dispose();
  await new Promise((resolve) => server?.close(resolve));
});

describe("the flow listing and the journal's composite indexes", () => {
  it("is served, for every flow and status filter, by a container with JOURNAL_COMPOSITE_INDEXES, newest activity first", async () => {
    const warnings: string[] = [];
    const index = createCosmosFlowIndex(() => indexed, deadlines, (line) => warnings.push(line));
    for (const flow of [undefined, ...flowNames]) {
      for (const status of [undefined, ...flowStatuses]) {
        const listed = await index.listFlowSummaries({ flow, status, limit: 50, now });
        const times = listed.map((s) => s.lastChangedAt);
        expect(times).toEqual([...times].sort().reverse());
        if (flow && status === undefined) expect(listed.every((s) => s.flow === flow) && listed.length > 0).toBe(true);
      }
    }
    expect(await index.listFlowSummaries({ limit: 50, now })).toHaveLength(6);
    expect(warnings).toEqual([]);
  });

  it("still lists from a container without them, and says once that the index is missing", async () => {
    const warnings: string[] = [];
    const index = createCosmosFlowIndex(() => unindexed, deadlines, (line) => warnings.push(line));
    const first = await index.listFlowSummaries({ limit: 50, now });
    await index.listFlowSummaries({ flow: flowNames[0], limit: 50, now });
    expect(first.map((s) => s.pk)).toEqual(["flow-5", "flow-4", "flow-3", "flow-2", "flow-1", "flow-0"]);
    expect(warnings).toEqual([expect.stringMatching(/no composite index for the flow listing/)]);
  });
});

describe("a flow's steps", () => {
  it("are its entries projected to id, type, service, cause and time, from its partition only", async () => {
    const index = createCosmosFlowIndex(() => indexed, deadlines);
    const steps = await index.listFlowSteps("flow-0");
    expect(steps.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: "e-1", type: "Orders.OrderPlaced.v2", service: "orders", time: now.toISOString() },
      { id: "e-2", type: "Inventory.StockReserved.v1", service: "inventory", causationid: "e-1", time: now.toISOString() },
    ]);
    expect(await index.listFlowSteps("flow-1")).toEqual([]);
  });
});
