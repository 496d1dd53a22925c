import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CosmosClient } from "@azure/cosmos";
import { RESTORED_TS_FIELD, isExpired } from "./cosmosTtl";
import { localCosmosClient } from "./localCosmosClient";

/**
 * Local data that survives a restart: the Cosmos server's documents are written to one JSON file on stop and every
 * few seconds while something changed, each time to a temporary file renamed over the old one, so a crash (even
 * mid-write) loses at most the last interval's writes and never leaves a half-written snapshot.
 */
interface Snapshot {
  readonly version: 1;
  readonly savedAt: string;
  readonly containers: Record<string, { defaultTtl?: number; documents: Record<string, unknown>[] }>;
}

const SYSTEM_FIELDS = ["_rid", "_self", "_etag", "_attachments", "_ts"];

const clientFor = localCosmosClient;

const readAll = async (client: CosmosClient, databaseName: string, containers: readonly string[]): Promise<Snapshot["containers"]> => {
  const result: Snapshot["containers"] = {};
  const database = client.database(databaseName);
  for (const id of containers) {
    const container = database.container(id);
    const { resource } = await container.read();
    // Big pages: the local server runs the whole query again for every page (100 documents by default), so a
    // container of 32,000 documents took 6.7 s in pages of 100 and 1.5 s in pages of 10,000.
    const { resources } = await container.items.readAll<Record<string, unknown>>({ maxItemCount: 10_000 }).fetchAll();
    result[id] = { ...(typeof resource?.defaultTtl === "number" ? { defaultTtl: resource.defaultTtl } : {}), documents: resources };
  }
  return result;
};

/** Loads a snapshot into freshly provisioned containers, leaving out what has expired meanwhile; returns the count. */
export const restoreCosmos = async (args: { file: string; endpoint: string; key: string; databaseName: string }): Promise<{ restored: number; expired: number }> => {
  if (!existsSync(args.file)) return { restored: 0, expired: 0 };
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(args.file, "utf8")) as Snapshot;
  } catch (error) {
    throw new Error(`${args.file} is not a readable snapshot (${(error as Error).message}); start with --fresh to begin empty`);
  }
  const client = clientFor(args.endpoint, args.key);
  let restored = 0;
  let expired = 0;
  const nowInSeconds = Date.now() / 1000;
  try {
    for (const [id, saved] of Object.entries(snapshot.containers ?? {})) {
      const container = client.database(args.databaseName).container(id);
      for (const doc of saved.documents) {
        if (isExpired(doc, saved.defaultTtl, nowInSeconds)) {
          expired++;
          continue;
        }
        const body: Record<string, unknown> = Object.fromEntries(Object.entries(doc).filter(([k]) => !SYSTEM_FIELDS.includes(k)));
        if (typeof doc._ts === "number") body[RESTORED_TS_FIELD] = doc._ts;
        await container.items.upsert(body);
        restored++;
      }
    }
  } finally {
    client.dispose();
  }
  return { restored, expired };
};

export interface SnapshotWriter {
  /** Saves once more and stops the timer; call it before the Cosmos server closes. */
  stop(): Promise<void>;
}

export const startSnapshots = (args: {
  file: string;
  endpoint: string;
  key: string;
  databaseName: string;
  containers: readonly string[];
  intervalInMs?: number;
  /** The server's write count (CosmosServer.writeCount): while it stays where the last save read it, nothing is read. */
  writeCount?: () => number;
  log: (line: string) => void;
}): SnapshotWriter => {
  const client = clientFor(args.endpoint, args.key);
  let last = "";
  let savedAtWrite: number | undefined;
  let running: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    running = running.then(async () => {
      // Read before the documents, so a write that lands while they are read makes the next save read them again.
      const writesNow = args.writeCount?.();
      if (writesNow !== undefined && writesNow === savedAtWrite) return;
      const containers = await readAll(client, args.databaseName, args.containers);
      const content = JSON.stringify(containers);
      if (content !== last) {
        mkdirSync(path.dirname(args.file), { recursive: true });
        const tmp = `${args.file}.tmp`;
        writeFileSync(tmp, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), containers } satisfies Snapshot));
        renameSync(tmp, args.file);
        last = content;
      }
      savedAtWrite = writesNow;
    }).catch((error: Error) => args.log(`could not save the Cosmos snapshot: ${error.message}`));
    return running;
  };
  const timer = setInterval(() => void save(), args.intervalInMs ?? 5_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await save();
      client.dispose();
    },
  };
};

export const deleteSnapshot = (file: string): void => {
  rmSync(file, { force: true });
  rmSync(`${file}.tmp`, { force: true });
};
