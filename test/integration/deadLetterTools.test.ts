import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CosmosClient } from "@azure/cosmos";
import { eventsAsPublished } from "#dev/admin/republish";
import { AzureKeyCredential, EventGridPublisherClient } from "@azure/eventgrid";
import { BlobServiceClient } from "@azure/storage-blob";
import { listSubscriptions, services } from "#src/topology";
import { TestStack, getJson, repoRoot, sendJson, startLocalStackForTests, waitFor } from "./support/localStack";

const run = promisify(execFile);

/**
 * The operator's tools end to end, through their real command lines: the Event Grid emulator dead-letters into
 * Azurite in Event Grid's blob layout, `dead-letters` lists, replays and discards them, `poison` does the same for
 * parked events in every service's container.
 */
describe("dead-letters and poison tools against Azurite and the local stack", () => {
  let stack: TestStack;
  let dataDir: string;
  const crmSubscription = listSubscriptions().find((s) => s.functionName === "crm-addContactWhenUserSignedUp")!.name;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "stack-data-"));
    stack = await startLocalStackForTests({ maxDeliveryAttempts: 2, deadLetterStorage: { port: 0, location: path.join(dataDir, "azurite") } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The tool as a user runs it, pointed at this stack's Azurite, Event Grid and Cosmos ports. */
  const tool = async (script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const env = {
      ...process.env,
      ...stack.stack.appSettings,
      AZURE_STORAGE_CONNECTION_STRING: stack.stack.deadLetterStorage!.connectionString,
    };
    try {
      const { stdout, stderr } = await run(process.execPath, [path.join(repoRoot, `dist/scripts/${script}.js`), ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const json = async (script: string, ...args: string[]): Promise<any> => {
    const result = await tool(script, ...args, "--json");
    if (result.code !== 0 && result.code !== 1) throw new Error(`${script} ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const container = () => BlobServiceClient.fromConnectionString(stack.stack.deadLetterStorage!.connectionString).getContainerClient("dead-letters");
  const blobNames = async (): Promise<string[]> => {
    const names: string[] = [];
    for await (const blob of container().listBlobsFlat()) names.push(blob.name);
    return names;
  };
  const setCrmOutage = (down: boolean) => sendJson("PUT", `${stack.devUrl}/dev/crm/outage`, { down });
  const userOf = async (userId: string) => (await getJson(`${stack.apiUrl}/users/${userId}`)).body;

  it("dead-letters sign-ups during a CRM outage in Event Grid's blob layout, lists them grouped, replays them once", async () => {
    await setCrmOutage(true);
    const userIds: string[] = [];
    const correlationIds: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const response = await sendJson("POST", `${stack.apiUrl}/users`, { email: `dl-${Date.now().toString(36)}-${i}@example.com`, name: "Grace Hopper" });
        expect(response.status).toBe(202);
        userIds.push(response.body.userId);
        correlationIds.push(response.body.correlationId);
      }
      await waitFor(async () => ((await blobNames()).length >= 3 ? true : undefined), { description: "3 dead-letter blobs", timeoutInMs: 30_000 });
      await stack.stack.eventGrid.idle(30_000);
    } finally {
      await setCrmOutage(false);
    }

    // <SUBSCRIPTION IN UPPER CASE>/<YYYY>/<M>/<D>/<H>/<guid>.json, UTC, not zero-padded
    const names = await blobNames();
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(new RegExp(`^${crmSubscription.toUpperCase()}/\\d{4}/([1-9]|1[0-2])/([1-9]|[12]\\d|3[01])/(\\d|1\\d|2[0-3])/[0-9a-f-]{36}\\.json$`));
    const blob = JSON.parse((await container().getBlobClient(names[0]!).downloadToBuffer()).toString("utf8"));
    expect(blob).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ specversion: "1.0", type: "Users.UserSignedUp.v1", correlationid: expect.any(String) }),
        deadLetterReason: "MaxDeliveryAttemptsExceeded",
        deliveryAttempts: 2,
        lastDeliveryOutcome: expect.any(String),
        lastHttpStatusCode: 500,
        publishTime: expect.any(String),
        lastDeliveryAttemptTime: expect.any(String),
      }),
    ]);
    for (const userId of userIds) expect(await userOf(userId)).toMatchObject({ status: "Onboarding", onboarding: { crm: "Pending" } });

    // The flow view reads the same blobs, as the journal does in Azure: only this flow's, named by its subscription.
    const flowView = async (correlationId: string) => (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body;
    const stuck = await flowView(correlationIds[0]!);
    expect(stuck.deadLetters).toEqual([
      expect.objectContaining({ subscription: crmSubscription, eventType: "Users.UserSignedUp.v1", deadLetterReason: "MaxDeliveryAttemptsExceeded", deliveryAttempts: 2 }),
    ]);
    expect(stuck.waitingFor).toEqual(["crm-addContactWhenUserSignedUp"]);

    const listed = await json("dead-letters", "list");
    expect(listed).toEqual({
      total: 3,
      groups: [{ subscription: crmSubscription.toUpperCase(), deadLetterReason: "MaxDeliveryAttemptsExceeded", count: 3, eventTypes: ["Users.UserSignedUp.v1"] }],
    });
    const human = await tool("dead-letters", "list");
    expect(human.stdout).toContain("3 dead letter(s).");

    const dryRun = await json("dead-letters", "replay", "--dry-run", "--subscription", crmSubscription);
    expect(dryRun.replayed).toHaveLength(3);
    expect(await blobNames()).toEqual(names);

    const replay = await json("dead-letters", "replay", "--subscription", crmSubscription);
    expect(replay).toMatchObject({ blobsMoved: 3, invalid: [] });
    expect(replay.replayed).toHaveLength(3);
    for (const userId of userIds) {
      await waitFor(async () => ((await userOf(userId))?.status === "Onboarded" ? true : undefined), { description: `user ${userId} onboarded after the replay` });
      expect((await userOf(userId)).onboarding).toEqual({ welcomeEmail: "Sent", crm: "Added", credits: "Assigned" });
    }
    expect((await blobNames()).sort()).toEqual(names.map((n) => `replayed/${n}`).sort());
    // Replayed blobs are out of the subscription's prefix: the flow view no longer shows them, and waits for nothing.
    await stack.stack.eventGrid.idle(30_000);
    expect(await flowView(correlationIds[0]!)).toMatchObject({ status: "completed", deadLetters: [], waitingFor: [] });

    const again = await json("dead-letters", "replay");
    expect(again).toEqual({ replayed: [], invalid: [], blobsMoved: 0 });
    expect((await json("dead-letters", "list")).total).toBe(0);
    for (const userId of userIds) {
      const contact = (await getJson(`${stack.devUrl}/dev/crm/contacts/${userId}`)).body;
      expect(contact.upserts).toBe(1);
    }
  }, 120_000);

  it("refuses an unknown command with the usage and exit code 2", async () => {
    for (const script of ["dead-letters", "poison"]) {
      const result = await tool(script, "purge");
      expect({ script, code: result.code, stdout: result.stdout }).toEqual({ script, code: 2, stdout: "" });
      expect(result.stderr).toMatch(new RegExp(`^unknown command 'purge'\\nnpm run ${script} -- <list\\|show\\|replay\\|discard>`));
    }
  });

  it("discards with who and why, and refuses a discard without a reason", async () => {
    const blobName = `${crmSubscription.toUpperCase()}/2026/1/2/3/00000000-0000-4000-8000-000000000001.json`;
    const body = JSON.stringify([{ event: { specversion: "1.0", id: "ev-old", source: "/x", type: "Users.UserSignedUp.v1", time: "2026-01-02T03:00:00Z", correlationid: "c", data: {} }, deadLetterReason: "UndeliverableDueToHttpBadRequest", deliveryAttempts: 1, lastDeliveryOutcome: "BadRequest", lastHttpStatusCode: 400, publishTime: "2026-01-02T03:00:00Z", lastDeliveryAttemptTime: "2026-01-02T03:00:01Z" }]);
    await container().getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body));

    // The event no longer passes today's schema (no email): reported, not sent, left in place.
    const replay = await tool("dead-letters", "replay", "--reason", "UndeliverableDueToHttpBadRequest");
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/NOT SENT ev-old .*Invalid data for Users\.UserSignedUp\.v1/);
    expect(await blobNames()).toContain(blobName);

    expect((await tool("dead-letters", "discard")).stderr).toContain("--why");
    const discard = await json("dead-letters", "discard", "--reason", "UndeliverableDueToHttpBadRequest", "--why", "test data", "--by", "ops-test");
    expect(discard.discarded).toEqual([{ blobName, eventId: "ev-old" }]);
    const properties = await container().getBlobClient(`discarded/${blobName}`).getProperties();
    expect(properties.metadata).toMatchObject({ discardedby: "ops-test", discardreason: "test data" });
    expect(await blobNames()).not.toContain(blobName);
  }, 60_000);

  it("lists parked poison events of every service, replays only what today's schema accepts", async () => {
    const client = new EventGridPublisherClient(stack.topicEndpoint("users"), "CloudEvent", new AzureKeyCredential(stack.topicKey), { allowInsecureConnection: true });
    await client.send([{ id: `poison-${Date.now()}`, type: "Users.UserSignedUp.v1", source: "/test", time: new Date(), data: { userId: "u-x", name: 42 }, extensionAttributes: { correlationid: "c-poison" } }]);
    await stack.stack.eventGrid.idle(30_000);

    const listed = await json("poison", "list");
    const services_ = listed.groups.map((g: any) => g.service).sort();
    expect(services_).toEqual(expect.arrayContaining(["crm", "email", "rewards"]));
    expect(listed.groups.every((g: any) => g.reason === "Invalid data for Users.UserSignedUp.v1")).toBe(true);

    const refused = await tool("poison", "replay", "--service", "crm");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("NOT SENT crm");

    // A record parked under an older, stricter rule whose event is valid today is published again and leaves the queue.
    const cosmos = new CosmosClient({ endpoint: stack.cosmos.endpoint, key: stack.cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const crm = cosmos.database(stack.cosmos.databaseName).container(services.crm.container);
      const email = `poison-fixed-${Date.now().toString(36)}@example.com`;
      const signedUp = await sendJson("POST", `${stack.apiUrl}/users`, { email, name: "Parked Person" });
      const userId = signedUp.body.userId as string;
      await waitFor(async () => ((await userOf(userId))?.status === "Onboarded" ? true : undefined), { description: "user onboarded" });
      const flow = (await getJson(`${stack.apiUrl}/flows/${signedUp.body.correlationId}`)).body.events as any[];
      // As published (the outbox), not as journaled: the journal's copy is redacted.
      const [original] = await eventsAsPublished(cosmos.database(stack.cosmos.databaseName), [flow.find((e) => e.type === "Users.UserSignedUp.v1")]);
      if (!original) throw new Error("no UserSignedUp in the flow");
      await crm.items.create({ id: `poison:addContactWhenUserSignedUp:${original.id}`, pk: "poison", kind: "poison", reaction: "addContactWhenUserSignedUp", reason: "older rule", event: original, parkedAt: new Date().toISOString() });

      const replay = await json("poison", "replay", "--service", "crm", "--reason", "older rule");
      expect(replay).toEqual({ replayed: [{ service: "crm", id: `poison:addContactWhenUserSignedUp:${original.id}` }], invalid: [] });
      await stack.stack.eventGrid.idle(30_000);
      expect((await json("poison", "list", "--service", "crm", "--reason", "older rule")).total).toBe(0);
      // Same id: the CRM reaction's inbox skips it, the contact is not upserted twice.
      expect((await getJson(`${stack.devUrl}/dev/crm/contacts/${userId}`)).body.upserts).toBe(1);
      const { resource } = await crm.item(`poison:addContactWhenUserSignedUp:${original.id}`, "poison-replayed").read();
      expect(resource).toMatchObject({ pk: "poison-replayed", replayedBy: expect.any(String) });
    } finally {
      cosmos.dispose();
    }

    const discard = await json("poison", "discard", "--why", "malformed test events", "--by", "ops-test");
    expect(discard.discarded.length).toBeGreaterThanOrEqual(3);
    expect((await json("poison", "list")).total).toBe(0);
  }, 120_000);
});
