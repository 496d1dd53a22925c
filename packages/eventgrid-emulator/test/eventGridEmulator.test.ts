import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startEventGridEmulator } from "../src";
import type { EmulatorSubscription, EventGridEmulator, EventGridEmulatorOptions } from "../src";

/** A webhook that records what arrives, answering per function name with a scripted status (default 200). */
interface Received {
  functionName: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

interface Receiver {
  url: (functionName: string) => string;
  received: Received[];
  forFunction: (name: string) => Received[];
  /** Status for the n-th (1-based) call of a function; "hang" never answers. */
  script: Map<string, (call: number) => number | "hang">;
  close: () => Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const script = new Map<string, (call: number) => number | "hang">();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const functionName = new URL(req.url ?? "/", "http://x").searchParams.get("functionName") ?? "";
      received.push({ functionName, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      const call = received.filter((r) => r.functionName === functionName).length;
      const answer = script.get(functionName)?.(call) ?? 200;
      if (answer === "hang") return;
      res.statusCode = answer;
      res.end(answer >= 300 ? `scripted ${answer}` : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (functionName) => `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=${functionName}`,
    received,
    forFunction: (name) => received.filter((r) => r.functionName === name),
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const TOPIC = { name: "orders", key: "orders-key" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits for a condition, bounded: a test asserts what happened, never how fast. */
const until = async (description: string, check: () => boolean, timeoutInMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutInMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(10);
  }
};
const PLACED = "Orders.OrderPlaced.v1";

describe("Event Grid emulator", () => {
  let receiver: Receiver;
  let emulator: EventGridEmulator | undefined;
  const logs: string[] = [];

  beforeEach(async () => {
    receiver = await startReceiver();
    logs.length = 0;
  });

  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    await receiver.close();
  });

  const start = async (
    subscriptions: EventGridEmulatorOptions["subscriptions"],
    extra: Partial<EventGridEmulatorOptions> = {},
  ): Promise<EventGridEmulator> => {
    emulator = await startEventGridEmulator({
      port: 0,
      topics: [TOPIC],
      subscriptions,
      retryScale: 0.001,
      log: (line) => logs.push(line),
      ...extra,
    });
    return emulator;
  };

  const sub = (name: string, includedEventTypes?: string[]): EmulatorSubscription => ({
    name,
    topic: TOPIC.name,
    endpointUrl: receiver.url(name),
    ...(includedEventTypes ? { includedEventTypes } : {}),
  });

  const client = (eg: EventGridEmulator, key = TOPIC.key): EventGridPublisherClient<"CloudEvent"> =>
    new EventGridPublisherClient(eg.topicEndpoint(TOPIC.name), "CloudEvent", new AzureKeyCredential(key), {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });

  const placed = (id: string, data: unknown = { orderId: id }) => ({
    id,
    type: PLACED,
    source: "/orders",
    subject: `orders/${id}`,
    data,
    extensionAttributes: { correlationid: `corr-${id}`, causationid: `cause-${id}` },
  });

  const rawPublish = (eg: EventGridEmulator, body: string, headers: Record<string, string> = {}) =>
    fetch(eg.topicEndpoint(TOPIC.name) + "?api-version=2018-01-01", {
      method: "POST",
      headers: { "content-type": "application/cloudevents-batch+json; charset=utf-8", "aeg-sas-key": TOPIC.key, ...headers },
      body,
    });

  it("delivers each event once to every matching subscription, flat, one CloudEvent per request", async () => {
    const eg = await start([sub("reserveStock", [PLACED.toLowerCase()]), sub("audit"), sub("ship", ["Orders.Paid.v1"])]);

    await client(eg).send([placed("o-1")]);
    await eg.idle(5000);

    expect(receiver.forFunction("reserveStock")).toHaveLength(1);
    expect(receiver.forFunction("audit")).toHaveLength(1);
    expect(receiver.forFunction("ship")).toHaveLength(0);
    const [delivery] = receiver.forFunction("reserveStock");
    expect(delivery?.headers["aeg-event-type"]).toBe("Notification");
    expect(delivery?.headers["aeg-subscription-name"]).toBe("RESERVESTOCK");
    expect(delivery?.headers["aeg-delivery-count"]).toBe("0");
    expect(delivery?.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    expect(delivery?.body).toMatchObject({
      specversion: "1.0",
      id: "o-1",
      type: PLACED,
      source: "/orders",
      subject: "orders/o-1",
      correlationid: "corr-o-1",
      causationid: "cause-o-1",
      data: { orderId: "o-1" },
    });
    expect(Array.isArray(delivery?.body)).toBe(false);
    expect(logs.some((line) => line.includes("orders ← 1 event(s)"))).toBe(true);
  });

  it("reads lazily supplied subscriptions at publish time", async () => {
    const known: EmulatorSubscription[] = [];
    const eg = await start(() => known);
    known.push(sub("late"));

    await client(eg).send([placed("o-2")]);
    await eg.idle(5000);

    expect(receiver.forFunction("late")).toHaveLength(1);
  });

  it("accepts a single structured CloudEvent", async () => {
    const eg = await start([sub("audit")]);
    const event = { specversion: "1.0", id: "s-1", source: "/orders", type: PLACED, data: { a: 1 } };

    const response = await rawPublish(eg, JSON.stringify(event), { "content-type": "application/cloudevents+json" });
    await eg.idle(5000);

    expect(response.status).toBe(200);
    expect(receiver.forFunction("audit").map((r) => r.body["id"])).toEqual(["s-1"]);
  });

  it("rejects a wrong key with 401 through the SDK and delivers nothing", async () => {
    const eg = await start([sub("audit")]);

    await expect(client(eg, "wrong-key").send([placed("o-3")])).rejects.toMatchObject({ statusCode: 401 });
    await eg.idle(5000);

    expect(receiver.received).toHaveLength(0);
  });

  it("rejects a request without a key with 401 and a JSON error", async () => {
    const eg = await start([sub("audit")]);

    const response = await rawPublish(eg, "[]", { "aeg-sas-key": "" });
    const body = (await response.json()) as { error: { code: string; message: string } };

    expect(response.status).toBe(401);
    expect(body.error.code).toBe("Unauthorized");
  });

  it("accepts a bearer token only when told to", async () => {
    const event = JSON.stringify([{ specversion: "1.0", id: "b-1", source: "/s", type: PLACED }]);
    const strict = await start([sub("audit")]);
    expect((await rawPublish(strict, event, { "aeg-sas-key": "", authorization: "Bearer x" })).status).toBe(401);
    await strict.close();

    const lenient = await start([sub("audit")], { acceptBearerTokens: true });
    expect((await rawPublish(lenient, event, { "aeg-sas-key": "", authorization: "Bearer x" })).status).toBe(200);
  });

  it("answers 404 for an unknown topic", async () => {
    const eg = await start([]);

    const response = await fetch(`${eg.url}/nope/api/events`, { method: "POST", body: "[]" });

    expect(response.status).toBe(404);
  });

  it.each([
    ["a body that is not JSON", "{not json", /not valid JSON/],
    ["a number", "42", /must be a JSON array/],
    ["an empty batch", "[]", /no events/],
    ["a wrong specversion", JSON.stringify([{ specversion: "0.3", id: "1", source: "/s", type: "t" }]), /specversion/],
    ["an event without type", JSON.stringify([{ specversion: "1.0", id: "1", source: "/s" }]), /'type'/],
    ["an event without id", JSON.stringify([{ specversion: "1.0", source: "/s", type: "t" }]), /'id'/],
    [
      "an upper-case extension name",
      JSON.stringify([{ specversion: "1.0", id: "1", source: "/s", type: "t", CorrelationId: "c" }]),
      /CorrelationId/,
    ],
    [
      "an extension name over 20 characters",
      JSON.stringify([{ specversion: "1.0", id: "1", source: "/s", type: "t", averyveryverylongextension: "c" }]),
      /averyveryverylongextension/,
    ],
  ])("answers 400 naming the problem for %s", async (_name, body, reason) => {
    const eg = await start([sub("audit")]);

    const response = await rawPublish(eg, body);
    const error = (await response.json()) as { error: { code: string; message: string } };

    expect(response.status).toBe(400);
    expect(error.error.code).toBe("BadRequest");
    expect(error.error.message).toMatch(reason);
  });

  it("delivers nothing from a batch with one invalid event", async () => {
    const eg = await start([sub("audit")]);
    const good = { specversion: "1.0", id: "g-1", source: "/s", type: PLACED };

    const response = await rawPublish(eg, JSON.stringify([good, { ...good, id: "" }]));
    await eg.idle(5000);

    expect(response.status).toBe(400);
    expect(receiver.received).toHaveLength(0);
  });

  it("answers 400, never 500, to JSON nested 30,000 deep, and delivers nothing", async () => {
    const eg = await start([sub("audit")]);
    const deep = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
    const deepData = JSON.stringify([{ specversion: "1.0", id: "deep-1", source: "/o", type: PLACED, data: "X" }]).replace('"X"', deep);
    for (const body of [deep, deepData, `{"a":${"{\"a\":".repeat(30_000)}1${"}".repeat(30_001)}`]) {
      const response = await rawPublish(eg, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.message).toMatch(/nested deeper than 64/);
    }
    await eg.idle(2000);
    expect(receiver.received).toHaveLength(0);
  });

  it("accepts data nested 64 levels deep and refuses 65 with 400 naming the limit", async () => {
    const eg = await start([sub("audit")]);
    const nested = (levels: number): unknown => (levels === 0 ? 1 : { n: nested(levels - 1) });
    const event = (id: string, levels: number) => ({ specversion: "1.0", id, source: "/o", type: PLACED, data: nested(levels) });
    expect((await rawPublish(eg, JSON.stringify([event("d-64", 64)]))).status).toBe(200);
    const refused = await rawPublish(eg, JSON.stringify([event("d-65", 65)]));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).error.message).toMatch(/Event at index 0: 'data' is nested deeper than 64 levels/);
    await eg.idle(5000);
    expect(receiver.received.map((r) => r.body.id)).toEqual(["d-64"]);
  });

  it("answers unknown routes with 404 and a known route with a wrong method with 405, as problem details", async () => {
    const eg = await start([sub("audit")]);
    const missing = await fetch(`${eg.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 404, code: "NotFound" });
    const wrongMethod = await fetch(`${eg.url}/dead-letters`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    expect(wrongMethod.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("answers 400 for more than 5,000 events", async () => {
    const eg = await start([]);
    const events = Array.from({ length: 5001 }, (_, i) => ({ specversion: "1.0", id: `${i}`, source: "/s", type: "t" }));

    const response = await rawPublish(eg, JSON.stringify(events));

    expect(response.status).toBe(400);
  });

  it("answers 413 through the SDK for a request over 1 MB", async () => {
    const eg = await start([sub("audit")]);

    const big = placed("big", { blob: "x".repeat(1024 * 1024 + 10) });
    await expect(client(eg).send([big])).rejects.toMatchObject({ statusCode: 413 });
    await eg.idle(5000);

    expect(receiver.received).toHaveLength(0);
  });

  it("retries a failing receiver and delivers on attempt 3", async () => {
    const eg = await start([sub("flaky")]);
    receiver.script.set("flaky", (call) => (call <= 2 ? 500 : 200));

    await client(eg).send([placed("o-4")]);
    await eg.idle(5000);

    expect(receiver.forFunction("flaky").map((r) => r.headers["aeg-delivery-count"])).toEqual(["0", "1", "2"]);
    expect(eg.deliveries().map((d) => [d.attempt, d.outcome, d.httpStatusCode])).toEqual([
      [1, "GenericError", 500],
      [2, "GenericError", 500],
      [3, "Succeeded", 200],
    ]);
    expect(eg.deadLetters()).toEqual([]);
    // One line per retry, naming the flow like every other line about it.
    expect(logs.filter((line) => /^\[flow corr-o-4\] eventgrid: .*failed \(attempt \d: 500 GenericError.*retry in \d+ ms$/.test(line))).toHaveLength(2);
  });

  it("dead-letters after maxDeliveryAttempts with the reason and the last answer", async () => {
    const eg = await start([sub("broken")], { maxDeliveryAttempts: 3 });
    receiver.script.set("broken", () => 500);

    await client(eg).send([placed("o-5")]);
    await eg.idle(5000);

    expect(receiver.forFunction("broken")).toHaveLength(3);
    expect(eg.deadLetters()).toEqual([
      expect.objectContaining({
        subscription: "broken",
        topic: "orders",
        deadLetterReason: "MaxDeliveryAttemptsExceeded",
        deliveryAttempts: 3,
        lastHttpStatusCode: 500,
        lastDeliveryOutcome: "GenericError",
        lastErrorMessage: "scripted 500",
        event: expect.objectContaining({ id: "o-5", correlationid: "corr-o-5" }),
      }),
    ]);
  });

  it("dead-letters a 400 answer at once and lists it over HTTP", async () => {
    const eg = await start([sub("rejects"), sub("accepts")]);
    receiver.script.set("rejects", () => 400);

    await client(eg).send([placed("o-6")]);
    await eg.idle(5000);

    expect(receiver.forFunction("rejects")).toHaveLength(1);
    const listed = (await (await fetch(`${eg.url}/dead-letters`)).json()) as Array<Record<string, unknown>>;
    expect(listed).toEqual([
      expect.objectContaining({
        subscription: "rejects",
        deadLetterReason: "UndeliverableDueToHttpBadRequest",
        deliveryAttempts: 1,
        lastHttpStatusCode: 400,
        lastDeliveryOutcome: "BadRequest",
      }),
    ]);
    const filtered = (await (await fetch(`${eg.url}/dead-letters?subscription=accepts`)).json()) as unknown[];
    expect(filtered).toEqual([]);
    const deliveries = (await (await fetch(`${eg.url}/deliveries?subscription=accepts`)).json()) as unknown[];
    expect(deliveries).toEqual([expect.objectContaining({ eventId: "o-6", outcome: "Succeeded" })]);
  });

  it("redelivers a dead letter on request", async () => {
    const eg = await start([sub("rejects")]);
    receiver.script.set("rejects", (call) => (call === 1 ? 400 : 200));
    await client(eg).send([placed("o-7")]);
    await eg.idle(5000);

    const response = await fetch(`${eg.url}/dead-letters/0/redeliver`, { method: "POST" });
    await eg.idle(5000);

    expect(response.status).toBe(202);
    expect(receiver.forFunction("rejects")).toHaveLength(2);
    expect(eg.deadLetters()).toEqual([expect.objectContaining({ redeliveredAt: expect.any(String) })]);
    expect((await fetch(`${eg.url}/dead-letters/9/redeliver`, { method: "POST" })).status).toBe(404);
  });

  it("treats a receiver that does not answer in time as failed and retries", async () => {
    const eg = await start([sub("slow")], { deliveryTimeoutInMs: 150 });
    receiver.script.set("slow", (call) => (call === 1 ? "hang" : 200));

    await client(eg).send([placed("o-8")]);
    await eg.idle(5000);

    expect(eg.deliveries().map((d) => d.outcome)).toEqual(["TimedOut", "Succeeded"]);
  });

  it("retries an endpoint that refuses connections, then dead-letters when the time to live runs out", async () => {
    const eg = await start([{ name: "gone", topic: TOPIC.name, endpointUrl: "http://127.0.0.1:1/x" }], {
      retryScheduleInMs: [40],
      eventTimeToLiveInMs: 300,
    });

    await client(eg).send([placed("o-9")]);
    await eg.idle(5000);

    const [deadLetter] = eg.deadLetters();
    expect(deadLetter?.deadLetterReason).toBe("TimeToLiveExceeded");
    expect(deadLetter?.lastDeliveryOutcome).toBe("CannotConnect");
    expect(deadLetter?.deliveryAttempts).toBeGreaterThan(1);
  });

  it("writes dead letters to deadLetterDir", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "eg-dead-"));
    try {
      const eg = await start([sub("rejects")], { deadLetterDir: dir });
      receiver.script.set("rejects", () => 400);
      await client(eg).send([placed("o-10")]);
      await eg.idle(5000);
      await eg.close();

      const files = await readdir(dir);
      expect(files).toHaveLength(1);
      const written = JSON.parse(await readFile(path.join(dir, files[0] ?? ""), "utf8")) as Record<string, unknown>;
      expect(written).toMatchObject({ deadLetterReason: "UndeliverableDueToHttpBadRequest", event: { id: "o-10" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("bounds concurrent deliveries", async () => {
    const eg = await start([sub("audit")], { maxConcurrentDeliveries: 2, deliveryTimeoutInMs: 10_000 });
    receiver.script.set("audit", () => "hang");

    await client(eg).send(Array.from({ length: 6 }, (_, i) => placed(`c-${i}`)));
    const deadline = Date.now() + 5000;
    while (receiver.forFunction("audit").length < 2 && Date.now() < deadline) await sleep(10);
    // Give a third delivery the chance to show up if the bound were broken.
    await sleep(150);

    expect(receiver.forFunction("audit")).toHaveLength(2);
  });

  describe("batched delivery (maxEventsPerBatch > 1)", () => {
    const batched = (name: string, extra: Partial<EmulatorSubscription> = {}): EmulatorSubscription => ({ ...sub(name), maxEventsPerBatch: 3, ...extra });
    const idsOf = (received: Received) => (received.body as unknown as { id: string }[]).map((e) => e.id);

    it("takes the events already waiting for the subscription, up to the cap, as one JSON array; never waits for more", async () => {
      const eg = await start([batched("journal"), sub("audit")], { maxConcurrentDeliveries: 1 });
      await client(eg).send(Array.from({ length: 7 }, (_, i) => placed(`b-${i}`)));
      await eg.idle(5000);

      const journal = receiver.forFunction("journal");
      // The first event finds nothing else queued and goes alone; the rest wait for the one delivery slot.
      expect(journal.map((r) => Array.isArray(r.body) && idsOf(r).length)).toEqual([1, 3, 3]);
      expect(journal.flatMap(idsOf).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `b-${i}`));
      expect(journal.every((r) => r.headers["content-type"] === "application/cloudevents-batch+json; charset=utf-8")).toBe(true);
      // Another subscription of the same topic keeps one object per request.
      expect(receiver.forFunction("audit").every((r) => !Array.isArray(r.body))).toBe(true);
      expect(eg.deliveries().filter((d) => d.subscription === "journal").map((d) => d.batchSize ?? 1)).toEqual([1, 3, 3, 3, 3, 3, 3]);
    });

    it("fails and retries a batch as a whole: each of its events is attempted again", async () => {
      const eg = await start([batched("journal")], { maxConcurrentDeliveries: 1 });
      receiver.script.set("journal", (call) => (call === 2 ? 500 : 200));
      await client(eg).send([placed("r-0"), placed("r-1"), placed("r-2")]);
      await eg.idle(5000);

      const attempts = eg.deliveries().map((d) => `${d.eventId}#${d.attempt}:${d.outcome}`);
      expect(attempts).toEqual(expect.arrayContaining(["r-0#1:Succeeded", "r-1#1:GenericError", "r-2#1:GenericError", "r-1#2:Succeeded", "r-2#2:Succeeded"]));
      expect(eg.deadLetters()).toEqual([]);
    });

    it("keeps a batch under preferredBatchSizeInKilobytes", async () => {
      const eg = await start([batched("journal", { maxEventsPerBatch: 10, preferredBatchSizeInKilobytes: 1 })], { maxConcurrentDeliveries: 1 });
      await client(eg).send(Array.from({ length: 4 }, (_, i) => placed(`s-${i}`, { orderId: `s-${i}`, note: "x".repeat(400) })));
      await eg.idle(5000);

      const sizes = receiver.forFunction("journal").map((r) => idsOf(r).length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
      // Each event is ~0.6 KB: two never fit in 1 KB.
      expect(Math.max(...sizes)).toBe(1);
    });
  });

  describe("each subscription's own delivery policy (its retryPolicy and dead-letter destination in Azure)", () => {
    const failing = (name: string, policy: Partial<EmulatorSubscription>): EmulatorSubscription => {
      receiver.script.set(name, () => 500);
      return { ...sub(name), ...policy };
    };

    it("gives up on each subscription of a topic after its own maxDeliveryAttempts", async () => {
      // The emulator's default (30) applies to neither.
      const eg = await start([failing("twice", { maxDeliveryAttempts: 2 }), failing("four", { maxDeliveryAttempts: 4 })], { retryScheduleInMs: [1] });

      await client(eg).send([placed("p-1")]);
      await eg.idle(10_000);

      expect(receiver.forFunction("twice")).toHaveLength(2);
      expect(receiver.forFunction("four")).toHaveLength(4);
      expect(eg.deadLetters().map((d) => [d.subscription, d.deadLetterReason, d.deliveryAttempts]).sort()).toEqual([
        ["four", "MaxDeliveryAttemptsExceeded", 4],
        ["twice", "MaxDeliveryAttemptsExceeded", 2],
      ]);
    });

    it("gives a batch its subscription's policy: every event of it gives up after that count", async () => {
      const eg = await start([failing("batched", { maxEventsPerBatch: 3, maxDeliveryAttempts: 2 })], { retryScheduleInMs: [1], maxConcurrentDeliveries: 1 });

      await client(eg).send([placed("p-2"), placed("p-3"), placed("p-4")]);
      await eg.idle(10_000);

      expect(eg.deadLetters().map((d) => [d.event.id, d.deliveryAttempts]).sort()).toEqual([["p-2", 2], ["p-3", 2], ["p-4", 2]]);
    });

    it("drops an event whose retries ran out when the subscription has no dead-letter destination, as Event Grid does", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "eg-dead-"));
      const sunk: string[] = [];
      try {
        receiver.script.set("rejects", () => 400);
        const eg = await start(
          [failing("dropping", { maxDeliveryAttempts: 2, deadLetter: false }), { ...sub("rejects"), deadLetter: false }, failing("keeping", { maxDeliveryAttempts: 2 })],
          { retryScheduleInMs: [1], deadLetterDir: dir, deadLetterSink: async (d) => void sunk.push(d.subscription) },
        );

        await client(eg).send([placed("p-5")]);
        await eg.idle(10_000);

        expect(receiver.forFunction("dropping")).toHaveLength(2);
        expect(receiver.forFunction("rejects")).toHaveLength(1);
        // Only the subscription with a destination has a dead letter, in the list, the folder and the sink.
        expect(eg.deadLetters().map((d) => d.subscription)).toEqual(["keeping"]);
        expect(await readdir(dir)).toEqual([expect.stringContaining("keeping")]);
        expect(sunk).toEqual(["keeping"]);
        expect(logs).toEqual(expect.arrayContaining([
          expect.stringMatching(/^\[flow corr-p-5\] eventgrid: DROPPED .* p-5 for dropping: MaxDeliveryAttemptsExceeded after 2 attempt\(s\).*no dead-letter destination/),
          expect.stringMatching(/^\[flow corr-p-5\] eventgrid: DROPPED .* p-5 for rejects: UndeliverableDueToHttpBadRequest after 1 attempt\(s\).*no dead-letter destination/),
        ]));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("gives up when the subscription's time to live runs out, before the emulator's", async () => {
      const eg = await start([{ name: "short-lived", topic: TOPIC.name, endpointUrl: "http://127.0.0.1:1/x", eventTimeToLiveInMs: 300 }], {
        retryScheduleInMs: [40],
        eventTimeToLiveInMs: 600_000,
      });

      await client(eg).send([placed("p-6")]);
      await eg.idle(10_000);

      // 30 attempts 40 ms apart would outlast 300 ms: the time to live, not the attempt count, ended it.
      const [deadLetter] = eg.deadLetters();
      expect(deadLetter).toMatchObject({ subscription: "short-lived", deadLetterReason: "TimeToLiveExceeded", lastDeliveryOutcome: "CannotConnect" });
      expect(deadLetter?.deliveryAttempts).toBeGreaterThan(1);
      expect(deadLetter?.deliveryAttempts).toBeLessThan(30);
    });
  });

  describe("state kept across a restart (stateDirectory)", () => {
    /** An emulator in a child process on `dir`, SIGKILLed by the caller; resolves with its topic endpoint. */
    const startChild = async (dir: string, name: string, schedule: string) => {
      const child = spawn(process.execPath, [path.join(__dirname, "fixtures/emulatorChild.js"), dir, name, receiver.url(name), schedule], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
      const endpoint = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
          const match = /ready (\S+)\n/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once("exit", () => reject(new Error("the emulator child exited before it was ready")));
      });
      const publisher = new EventGridPublisherClient(endpoint, "CloudEvent", new AzureKeyCredential(TOPIC.key), {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      });
      return { publisher, kill: async () => {
        child.kill("SIGKILL");
        expect(await exited).toBe("SIGKILL");
      } };
    };

    /** Subscription "pending" answers 500: attempts 1 and 2 fail, attempt 3 is 1.5 s away when the process dies. */
    const killedAfterTwoFailedAttempts = async (dir: string, eventId: string): Promise<void> => {
      receiver.script.set("pending", () => 500);
      const child = await startChild(dir, "pending", "50,1500");
      await child.publisher.send([placed(eventId)]);
      await until("two failed attempts", () => receiver.forFunction("pending").length === 2);
      await child.kill();
    };

    it("delivers after a restart what was waiting for a retry when the emulator was SIGKILLed, attempts and schedule kept", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "eg-state-"));
      try {
        await killedAfterTwoFailedAttempts(dir, "o-durable");
        receiver.script.set("pending", () => 200);

        const eg = await start([sub("pending")], { stateDirectory: dir, retryScheduleInMs: [50, 1500] });
        await until("the delivery after the restart", () => receiver.forFunction("pending").some((r) => r.functionName === "pending" && receiver.forFunction("pending").indexOf(r) >= 2));
        await eg.idle(5000);
        const third = receiver.forFunction("pending").at(-1)!;
        expect(third.body).toMatchObject({ id: "o-durable", type: PLACED });
        // The count carries on: 2 (or 1 when the kill came before the second failure's record was written: that
        // attempt is made again, at least once as always).
        const count = Number(third.headers["aeg-delivery-count"]);
        expect([1, 2]).toContain(count);
        await eg.idle(5000);
        expect(eg.deliveries().map((d) => [d.attempt, d.outcome]).at(-1)).toEqual([count + 1, "Succeeded"]);
        expect(logs.some((line) => /1 delivery\(ies\) restored from the journal/.test(line))).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("gives a delivery restored after a restart its subscription's policy as it is now", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "eg-state-"));
      try {
        // Before the restart: the default policy, 30 attempts and a dead letter at the end.
        await killedAfterTwoFailedAttempts(dir, "o-policy");

        const now = [{ ...sub("pending"), maxDeliveryAttempts: 3, deadLetter: false }];
        const eg = await start(now, { stateDirectory: dir, retryScheduleInMs: [1] });
        await until("the delivery's end", () => logs.some((line) => line.includes("DROPPED")));
        await eg.idle(5000);
        expect(logs.filter((line) => line.includes("DROPPED"))).toEqual([expect.stringMatching(/o-policy for pending: MaxDeliveryAttemptsExceeded after 3 attempt\(s\)/)]);
        expect(eg.deadLetters()).toEqual([]);
        await eg.close();
        emulator = undefined;

        // Dropped is over: nothing is pending for the next start.
        logs.length = 0;
        const again = await start(now, { stateDirectory: dir });
        await again.idle(5000);
        expect(logs.filter((line) => /restored from the journal/.test(line))).toEqual([]);
        expect(again.deadLetters()).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("answers a publish only once the event is on disk: killed right after the 200, it is still delivered", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "eg-state-"));
      try {
        receiver.script.set("slow", (call) => (call === 1 ? "hang" : 200));
        const child = await startChild(dir, "slow", "50");
        await child.publisher.send([placed("o-acked")]);
        await child.kill();

        const eg = await start([sub("slow")], { stateDirectory: dir });
        await eg.idle(5000);
        expect(receiver.forFunction("slow").map((r) => r.body.id).at(-1)).toBe("o-acked");
        expect(eg.deliveries().at(-1)).toMatchObject({ eventId: "o-acked", outcome: "Succeeded" });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("answers a redelivery only once it is on disk, as it answers a publish", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "eg-state-"));
      const fs = jest.requireActual<typeof import("node:fs")>("node:fs");
      let hold: jest.SpyInstance | undefined;
      const held: (() => void)[] = [];
      try {
        receiver.script.set("held", (call) => (call === 1 ? 400 : 200));
        const eg = await start([sub("held")], { stateDirectory: dir });
        await client(eg).send([placed("o-held")]);
        await eg.idle(5000);
        expect(eg.deadLetters()).toHaveLength(1);

        // From here the journal's fdatasync is held by the test: nothing it writes is on disk until released.
        const fdatasync = fs.fdatasync.bind(fs);
        hold = jest.spyOn(fs, "fdatasync").mockImplementation((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
          held.push(() => fdatasync(fd, done));
        });
        let answered = false;
        const redelivered = fetch(`${eg.url}/dead-letters/0/redeliver`, { method: "POST" }).then((response) => ((answered = true), response));
        await until("the redelivery's flush", () => held.length > 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(answered).toBe(false);
        hold.mockRestore();
        for (const flush of held.splice(0)) flush();
        expect((await redelivered).status).toBe(202);
        await eg.idle(5000);
        expect(receiver.forFunction("held").map((r) => r.body.id)).toEqual(["o-held", "o-held"]);
      } finally {
        hold?.mockRestore();
        for (const flush of held.splice(0)) flush();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("keeps dead letters, redelivers one by its index after a restart, and forgets what was delivered", async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "eg-state-"));
      try {
        receiver.script.set("bad", (call) => (call === 1 ? 400 : 200));
        const first = await start([sub("bad"), sub("good")], { stateDirectory: dir });
        await client(first).send([placed("o-dead")]);
        await first.idle(5000);
        expect(first.deadLetters()).toHaveLength(1);
        await first.close();
        emulator = undefined;

        const second = await start([sub("bad"), sub("good")], { stateDirectory: dir });
        expect(second.deadLetters()).toMatchObject([{ index: 0, subscription: "bad", deadLetterReason: "UndeliverableDueToHttpBadRequest" }]);
        const redeliver = await fetch(`${second.url}/dead-letters/0/redeliver`, { method: "POST" });
        expect(redeliver.status).toBe(202);
        await second.idle(5000);
        // "good" got the event once, before the restart: nothing of it was pending, so nothing is delivered again.
        expect(receiver.forFunction("good")).toHaveLength(1);
        expect(receiver.forFunction("bad")).toHaveLength(2);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  it("says over HTTP whether it is idle, for a client in another process", async () => {
    const eg = await start([sub("status")]);
    receiver.script.set("status", () => "hang");
    expect(await (await fetch(`${eg.url}/status`)).json()).toEqual({ idle: true, busy: expect.any(String) });
    await client(eg).send([placed("o-status")]);
    expect(await (await fetch(`${eg.url}/status`)).json()).toMatchObject({ idle: false, busy: expect.stringContaining("1 in flight") });
  });

  it("answers 503 while a topic's publish endpoint is down, accepts again after the window, and delivers only what it accepted", async () => {
    const eg = await start([sub("outage")]);
    eg.setPublishOutage(TOPIC.name, 60_000);
    await expect(client(eg).send([placed("o-refused")])).rejects.toMatchObject({ statusCode: 503 });
    eg.setPublishOutage(TOPIC.name, 0);
    await client(eg).send([placed("o-accepted")]);
    await eg.idle(5000);
    expect(receiver.forFunction("outage").map((r) => r.body.id)).toEqual(["o-accepted"]);
    expect(() => eg.setPublishOutage("nope", 10)).toThrow(/does not exist/);
  });
});
