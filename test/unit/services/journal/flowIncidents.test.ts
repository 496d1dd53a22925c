import type { ContainerClient } from "@azure/storage-blob";
import { deadLetterBlobName } from "#src/platform/deadLetterBlobs";
import {
  DEAD_LETTER_HORIZON_MS,
  MAX_DEAD_LETTER_BLOBS_PER_FLOW,
  blobDeadLetters,
  subscriptionsOfFlow,
} from "#src/services/journal/deadLetterBlobReader";
import type { Database } from "@azure/cosmos";
import {
  FlowWindow,
  INCIDENT_SNAPSHOT_MS,
  POISON_SNAPSHOT_LIMIT,
  createFlowIncidents,
  emulatorDeadLetters,
  sharedSnapshot,
} from "#src/services/journal/flowIncidents";
import { listSubscriptions } from "#src/topology";

const subscriptionOf = (functionName: string, topic: string) => listSubscriptions().find((s) => s.functionName === functionName && s.topic === topic)!.name;
const CRM = subscriptionOf("crm-addContactWhenUserSignedUp", "users");
const EMAIL = subscriptionOf("email-sendWelcomeEmailWhenUserSignedUp", "users");

const flow: FlowWindow = {
  correlationId: "flow-1",
  startedAt: "2026-03-04T22:10:00.000Z",
  lastEventAt: "2026-03-04T22:10:01.000Z",
  eventTypes: ["Users.UserSignedUp.v1", "Email.WelcomeEmailSent.v1"],
};

const entry = (correlationid: string, id: string) => ({
  event: { specversion: "1.0", id, type: "Users.UserSignedUp.v1", source: "/services/users", correlationid, data: { email: "secret@example.com" } },
  deadLetterReason: "MaxDeliveryAttemptsExceeded",
  deliveryAttempts: 30,
  lastDeliveryOutcome: "GenericError",
  publishTime: "2026-03-04T22:10:00.000Z",
  lastDeliveryAttemptTime: "2026-03-05T21:00:00.000Z",
});

/** A jest-mocked ContainerClient over an in-memory set of blobs: listBlobsFlat honours the prefix, as the service does. */
const mockedContainer = (blobs: Record<string, unknown>) => {
  const listBlobsFlat = jest.fn(({ prefix }: { prefix: string }) =>
    (async function* () {
      for (const name of Object.keys(blobs).sort()) if (name.startsWith(prefix)) yield { name };
    })(),
  );
  const downloadToBuffer = jest.fn();
  const getBlobClient = jest.fn((name: string) => ({
    downloadToBuffer: () => {
      downloadToBuffer(name);
      return Promise.resolve(Buffer.from(JSON.stringify(blobs[name])));
    },
  }));
  return { container: { listBlobsFlat, getBlobClient } as unknown as ContainerClient, listBlobsFlat, downloadToBuffer };
};

const now = () => new Date("2026-03-06T12:00:00.000Z");

describe("a flow's dead letters from Event Grid's blobs", () => {
  it("finds the flow's dead letters in the subscriptions its events go to, named as the manifest names them, without event data", async () => {
    const { container } = mockedContainer({
      [deadLetterBlobName(CRM, new Date("2026-03-05T21:00:00Z"), "a")]: [entry("flow-1", "e-1"), entry("other-flow", "e-2")],
      [deadLetterBlobName(EMAIL, new Date("2026-03-04T23:00:00Z"), "b")]: [entry("other-flow", "e-3")],
    });
    const found = await blobDeadLetters(() => container, now)(flow);
    expect(found).toEqual([
      {
        subscription: CRM,
        eventId: "e-1",
        eventType: "Users.UserSignedUp.v1",
        deadLetterReason: "MaxDeliveryAttemptsExceeded",
        deliveryAttempts: 30,
        lastDeliveryOutcome: "GenericError",
        lastDeliveryAttemptTime: "2026-03-05T21:00:00.000Z",
      },
    ]);
    expect(JSON.stringify(found)).not.toContain("secret@example.com");
  });

  it("lists one prefix per (subscription of the flow, UTC day of its window) and reads only blobs in the window's hours", async () => {
    const inWindow = deadLetterBlobName(CRM, new Date("2026-03-04T22:00:00Z"), "in");
    const before = deadLetterBlobName(CRM, new Date("2026-03-04T20:00:00Z"), "before");
    const after = deadLetterBlobName(CRM, new Date(Date.parse(flow.lastEventAt) + DEAD_LETTER_HORIZON_MS + 2 * 3_600_000), "after");
    const { container, listBlobsFlat, downloadToBuffer } = mockedContainer({ [inWindow]: [entry("flow-1", "e-1")], [before]: [], [after]: [] });
    await blobDeadLetters(() => container, now)(flow);
    const prefixes = listBlobsFlat.mock.calls.map(([options]) => options.prefix);
    const subscriptions = subscriptionsOfFlow(flow.eventTypes);
    // From 22:00 on the 4th to a day after the last event: the 4th and the 5th.
    expect(prefixes.sort()).toEqual(subscriptions.flatMap((s) => [`${s.toUpperCase()}/2026/3/4/`, `${s.toUpperCase()}/2026/3/5/`]).sort());
    expect(subscriptions).toEqual(expect.arrayContaining([CRM, EMAIL, subscriptionOf("journal-recordEventInJournal", "users")]));
    expect(subscriptions).not.toContain(subscriptionOf("inventory-reserveStockWhenOrderPlaced", "orders"));
    expect(downloadToBuffer.mock.calls.map(([name]) => name)).toEqual([inWindow]);
  });

  it("does not look past now: a flow that ended an hour ago is read up to this hour only", async () => {
    const { container, listBlobsFlat } = mockedContainer({});
    await blobDeadLetters(() => container, () => new Date("2026-03-04T23:30:00Z"))(flow);
    expect(new Set(listBlobsFlat.mock.calls.map(([o]) => o.prefix.split("/").slice(1).join("/")))).toEqual(new Set(["2026/3/4/"]));
  });

  it("answers null (not known), rather than reading a flood, when the window holds more blobs than a view may read", async () => {
    const blobs = Object.fromEntries(
      Array.from({ length: MAX_DEAD_LETTER_BLOBS_PER_FLOW + 1 }, (_, i) => [deadLetterBlobName(CRM, new Date("2026-03-04T23:00:00Z"), `x${i}`), []]),
    );
    const { container, downloadToBuffer } = mockedContainer(blobs);
    expect(await blobDeadLetters(() => container, now)(flow)).toBeNull();
    expect(downloadToBuffer).not.toHaveBeenCalled();
  });

  it("answers null when storage cannot be read", async () => {
    const container = { listBlobsFlat: jest.fn(() => { throw new Error("403 AuthorizationPermissionMismatch"); }) } as unknown as ContainerClient;
    expect(await blobDeadLetters(() => container, now)(flow)).toBeNull();
  });
});

describe("a flow's dead letters from the local emulator", () => {
  it("keeps the flow's own, and answers null when the emulator does not answer", async () => {
    const body = [
      { subscription: CRM, ...entry("flow-1", "e-1") },
      { subscription: CRM, ...entry("other", "e-2") },
    ];
    const ok = jest.fn(async () => new Response(JSON.stringify(body), { status: 200 }));
    expect((await emulatorDeadLetters("http://eg/dead-letters", ok as unknown as typeof fetch)(flow))?.map((d) => [d.subscription, d.eventId])).toEqual([[CRM, "e-1"]]);
    const down = jest.fn(async () => new Response("", { status: 503 }));
    expect(await emulatorDeadLetters("http://eg/dead-letters", down as unknown as typeof fetch)(flow)).toBeNull();
  });
});

describe("incident sources are read once per snapshot interval, whatever the number of flow views", () => {
  it("shares one load between callers within the interval, loads again after it, and does not keep a failure", async () => {
    let clock = 0;
    let n = 0;
    const load = jest.fn(async () => {
      n += 1;
      if (n === 2) throw new Error("store down");
      return n;
    });
    const snapshot = sharedSnapshot(load, 1000, () => clock);
    expect(await Promise.all([snapshot(), snapshot()])).toEqual([1, 1]);
    clock = 999;
    expect(await snapshot()).toBe(1);
    clock = 1000;
    await expect(snapshot()).rejects.toThrow("store down");
    expect(await snapshot()).toBe(3);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("the emulator's dead-letter list: one GET for many flows within the interval", async () => {
    let clock = 0;
    const body = [{ subscription: CRM, ...entry("flow-1", "e-1") }, { subscription: CRM, ...entry("flow-2", "e-2") }];
    const get = jest.fn(async () => new Response(JSON.stringify(body), { status: 200 }));
    const read = emulatorDeadLetters("http://eg/dead-letters", get, () => clock);
    expect((await read(flow))?.map((d) => d.eventId)).toEqual(["e-1"]);
    expect((await read({ ...flow, correlationId: "flow-2" }))?.map((d) => d.eventId)).toEqual(["e-2"]);
    expect(get).toHaveBeenCalledTimes(1);
    clock = INCIDENT_SNAPSHOT_MS;
    await read(flow);
    expect(get).toHaveBeenCalledTimes(2);
  });

  /** A jest-mocked Database whose containers answer poison rows; records every query it is asked. */
  const mockedDatabase = (rowsByContainer: Record<string, unknown[]>) => {
    const queries: { container: string; query: string; parameters: unknown }[] = [];
    const database = {
      container: (container: string) => ({
        items: {
          query: jest.fn((spec: { query: string; parameters: { name: string; value: string }[] }) => {
            queries.push({ container, query: spec.query, parameters: spec.parameters });
            const cid = spec.parameters.find((p) => p.name === "@correlationId")?.value;
            const rows = (rowsByContainer[container] ?? []) as { event: { correlationid: string } }[];
            return { fetchAll: async () => ({ resources: cid ? rows.filter((r) => r.event.correlationid === cid) : rows }) };
          }),
        },
      }),
    } as unknown as Database;
    return { database, queries };
  };
  const poisonRow = (correlationid: string, id: string) => ({
    reaction: "addContactWhenUserSignedUp", reason: "data.email: Invalid email", parkedAt: "2026-03-04T22:10:02.000Z",
    event: { id, type: "Users.UserSignedUp.v1", correlationid },
  });

  it("poison: one query per container per interval, filtered per flow in memory", async () => {
    let clock = 0;
    const { database, queries } = mockedDatabase({ crm: [poisonRow("flow-1", "e-1"), poisonRow("flow-2", "e-2")], email: [] });
    const incidents = createFlowIncidents({ deadLetters: undefined, poisonContainers: ["crm", "email"], database: () => database, now: () => clock });
    expect(await incidents.poisonOf("flow-1")).toEqual([
      { container: "crm", reaction: "addContactWhenUserSignedUp", reason: "data.email: Invalid email", eventId: "e-1", eventType: "Users.UserSignedUp.v1", parkedAt: "2026-03-04T22:10:02.000Z" },
    ]);
    expect((await incidents.poisonOf("flow-2"))?.map((p) => p.eventId)).toEqual(["e-2"]);
    expect(await incidents.poisonOf("flow-3")).toEqual([]);
    expect(queries.map((q) => q.container)).toEqual(["crm", "email"]);
    // The snapshot reads the poison partition only, and never the parked event's data.
    expect(queries[0]!.query).toContain("c.pk = @pk");
    expect(queries[0]!.query).not.toMatch(/SELECT \*/);
    clock = INCIDENT_SNAPSHOT_MS;
    await incidents.poisonOf("flow-1");
    expect(queries).toHaveLength(4);
  });

  it("poison: a container holding more than the snapshot limit is asked per flow", async () => {
    const many = Array.from({ length: POISON_SNAPSHOT_LIMIT + 1 }, (_, i) => poisonRow(`other-${i}`, `x-${i}`));
    const { database, queries } = mockedDatabase({ crm: [...many, poisonRow("flow-1", "e-1")] });
    const incidents = createFlowIncidents({ deadLetters: undefined, poisonContainers: ["crm"], database: () => database, now: () => 0 });
    expect((await incidents.poisonOf("flow-1"))?.map((p) => p.eventId)).toEqual(["e-1"]);
    expect(queries.map((q) => q.parameters)).toContainEqual(expect.arrayContaining([{ name: "@correlationId", value: "flow-1" }]));
  });
});
