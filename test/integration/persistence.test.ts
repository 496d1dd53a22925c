import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SnapshotWriter, startSnapshots } from "@azure-choreography/cosmos-server";
import { LOCAL_DATABASE_NAME } from "#dev/stack";
import { waitFor } from "./support/localStack";
import { ObservedCosmos, startObservedCosmos } from "./support/observedCosmos";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = (description: string, check: () => boolean): Promise<true> =>
  waitFor(async () => check() || undefined, { description, timeoutInMs: 10_000, intervalInMs: 10 });

describe("local data snapshots (npm start keeps documents across restarts)", () => {
  let cosmos: ObservedCosmos;
  let snapshots: SnapshotWriter | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), "snapshots-"));
  const file = path.join(dir, "cosmos.json");

  beforeAll(async () => {
    cosmos = await startObservedCosmos();
  });

  afterAll(async () => {
    await snapshots?.stop();
    await cosmos?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads nothing while nothing is written, and saves a write within an interval", async () => {
    // The read of every container was a cross-partition query per interval, forever: on a stack left idle with
    // tens of thousands of documents, seconds of the stack's CPU every 5 s.
    const { server, client, observer } = cosmos;
    snapshots = startSnapshots({
      file, endpoint: server.endpoint, key: server.key, databaseName: LOCAL_DATABASE_NAME, containers: ["orders"],
      intervalInMs: 20, writeCount: () => server.writeCount(), log: () => undefined,
    });
    await until("the first snapshot", () => existsSync(file));
    await sleep(100); // a save already under way when the file appeared
    const queriesWhenSaved = observer.counts().ops.query;
    await sleep(400); // 20 intervals
    expect(observer.counts().ops.query).toBe(queriesWhenSaved);

    await client.database(LOCAL_DATABASE_NAME).container("orders").items.create({ id: "kept", pk: "kept", kind: "order" });
    await until("the write in the snapshot", () => readFileSync(file, "utf8").includes('"kept"'));
    expect(observer.counts().ops.query).toBeGreaterThan(queriesWhenSaved);
  });
});
