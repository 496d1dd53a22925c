import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { startEventGridEmulator } from "@azure-choreography/eventgrid-emulator";
import type { EventGridEmulator } from "@azure-choreography/eventgrid-emulator";
import { CloudEventEnvelope } from "#src/events/envelope";
import { parseConfig } from "#src/platform/config";
import { EventGridPublishError, createCloudEventsTopicSender } from "#src/platform/cloudEventsPublisher";
import { createEventGridPublisher, createTopicClients } from "#src/platform/publisher";

/**
 * The thin publisher's real path (createTopicClients → fetch → the Event Grid emulator → a webhook): what a
 * subscriber receives is the CloudEvent as built, extensions at top level, whatever publisher sent it.
 */
describe("thin CloudEvents publisher against the Event Grid emulator", () => {
  let emulator: EventGridEmulator;
  let webhook: http.Server;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    webhook = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
        received.push(...(Array.isArray(body) ? body : [body]));
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const { port } = webhook.address() as AddressInfo;
    emulator = await startEventGridEmulator({
      port: 0,
      topics: [{ name: "orders", key: "orders-key" }, { name: "users", key: "users-key" }],
      subscriptions: [
        { name: "all-orders", topic: "orders", endpointUrl: `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=o` },
        { name: "all-users", topic: "users", endpointUrl: `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=u` },
      ],
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await emulator?.close();
    await new Promise<void>((resolve) => {
      webhook?.close(() => resolve());
      webhook?.closeAllConnections();
    });
  });

  const settings = (keys: { orders: string; users: string }) =>
    parseConfig({
      COSMOS__accountEndpoint: "http://127.0.0.1:1/",
      ALLOW_INSECURE_CONNECTIONS: "true",
      EVENTGRID_ORDERS__topicEndpointUri: emulator.topicEndpoint("orders"),
      EVENTGRID_ORDERS__key: keys.orders,
      EVENTGRID_USERS__topicEndpointUri: emulator.topicEndpoint("users"),
      EVENTGRID_USERS__key: keys.users,
    });
  const noCredential = () => {
    throw new Error("local topics use keys");
  };
  const event = (id: string, type: string): CloudEventEnvelope => ({
    specversion: "1.0", id, source: "/services/test", type, subject: `s/${id}`, time: "2026-01-01T00:00:00.000Z",
    correlationid: "flow-1", causationid: "cause-1", traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01",
    data: { orderId: id, nested: { amount: 12.5 } },
  });

  it("delivers every event of one decision, one request per topic, exactly as built", async () => {
    const publisher = createEventGridPublisher(createTopicClients(settings({ orders: "orders-key", users: "users-key" }), noCredential, "thin"));
    const events = [event("e1", "Orders.OrderConfirmed.v1"), event("e2", "Users.UserSignedUp.v1"), event("e3", "Inventory.StockReserved.v1")];
    await publisher.publishEvents(events);
    await emulator.idle(10_000);
    expect(received.map((e) => e["id"]).sort()).toEqual(["e1", "e2", "e3"]);
    for (const sent of events) {
      expect(received.find((e) => e["id"] === sent.id)).toEqual({ ...sent, datacontenttype: "application/json" });
    }
  });

  it("fails with 401 naming the key authentication when the key is wrong, and nothing is delivered", async () => {
    received.length = 0;
    const publisher = createEventGridPublisher(createTopicClients(settings({ orders: "wrong", users: "users-key" }), noCredential, "thin"));
    const error = await publisher.publishEvents([event("e4", "Orders.OrderConfirmed.v1")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventGridPublishError);
    expect(error).toMatchObject({ statusCode: 401, message: expect.stringMatching(/401 .*orders.*aeg-sas-key.*not a valid key/) });
    await emulator.idle(10_000);
    expect(received).toEqual([]);
  });

  it("delivers the same CloudEvent whether the SDK or the thin publisher sent it", async () => {
    received.length = 0;
    const config = settings({ orders: "orders-key", users: "users-key" });
    await createEventGridPublisher(createTopicClients(config, noCredential, "sdk")).publishEvents([{ ...event("same", "Orders.OrderConfirmed.v1"), id: "sdk" }]);
    await createEventGridPublisher(createTopicClients(config, noCredential, "thin")).publishEvents([{ ...event("same", "Orders.OrderConfirmed.v1"), id: "thin" }]);
    await emulator.idle(10_000);
    const strip = (e: Record<string, unknown> | undefined) => ({ ...e, id: undefined });
    expect(strip(received.find((e) => e["id"] === "thin"))).toEqual(strip(received.find((e) => e["id"] === "sdk")));
  });

  it("gives up on a topic that does not answer within the timeout, and on one that refuses the connection", async () => {
    const silent = http.createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const hanging = createCloudEventsTopicSender({ topic: "orders", endpoint: `http://127.0.0.1:${port}/orders/api/events`, auth: { kind: "key", key: "k" }, timeoutInMs: 200 });
      await expect(hanging.sendEvents([event("t1", "Orders.OrderConfirmed.v1")])).rejects.toThrow(/orders failed: no answer within 200 ms/);
    } finally {
      await new Promise<void>((resolve) => {
        silent.close(() => resolve());
        silent.closeAllConnections();
      });
    }
    const refused = createCloudEventsTopicSender({ topic: "orders", endpoint: `http://127.0.0.1:${port}/orders/api/events`, auth: { kind: "key", key: "k" } });
    await expect(refused.sendEvents([event("t2", "Orders.OrderConfirmed.v1")])).rejects.toMatchObject({ statusCode: undefined, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  // A kept-alive connection the topic closes while it sits idle (Node's server after 5 s, Azure's front ends after
  // minutes) fails the next request sent on it. The SDK's pipeline retried that; the thin publisher must too, or a
  // flow started over HTTP waits for the relay (minutes) for nothing.
  it("sends again on a new connection when the kept-alive one is dropped under the request, and gives up after three tries", async () => {
    let requests = 0;
    const received: unknown[] = [];
    const flaky = http.createServer((req, res) => {
      requests += 1;
      // The second request arrives on the connection the first one left open: drop it unanswered.
      if (requests === 2) {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push(...(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown[]));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    const { port } = flaky.address() as AddressInfo;
    try {
      const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: `http://127.0.0.1:${port}/orders/api/events`, auth: { kind: "key", key: "k" } });
      await sender.sendEvents([event("k1", "Orders.OrderConfirmed.v1")]);
      await sender.sendEvents([event("k2", "Orders.OrderConfirmed.v1")]);
      expect(requests).toBe(3);
      expect(received.map((e) => (e as { id: string }).id)).toEqual(["k1", "k2"]);
    } finally {
      await new Promise<void>((resolve) => {
        flaky.close(() => resolve());
        flaky.closeAllConnections();
      });
    }
    const dropping = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, "127.0.0.1", resolve));
    const dropPort = (dropping.address() as AddressInfo).port;
    let dropped = 0;
    dropping.on("request", () => (dropped += 1));
    try {
      const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: `http://127.0.0.1:${dropPort}/orders/api/events`, auth: { kind: "key", key: "k" } });
      await expect(sender.sendEvents([event("k3", "Orders.OrderConfirmed.v1")])).rejects.toMatchObject({ statusCode: undefined, message: expect.stringMatching(/orders failed after 3 attempts: socket hang up/) });
      expect(dropped).toBe(3);
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });
});
