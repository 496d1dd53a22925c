import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Journal, type JournalRecord } from "../src/journal";

describe("Journal (append-only, fsync'd, group commit, compaction)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "journal-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const reopen = (file: string): JournalRecord[] => {
    const seen: JournalRecord[] = [];
    const journal = new Journal({ file }, (record) => seen.push(record));
    void journal.close();
    return seen;
  };

  it("shares one fsync among lines closed while another is under way, and replays every line in order", async () => {
    const file = path.join(dir, "group.log");
    const journal = new Journal({ file }, () => undefined);
    // 200 writers, each its own synchronous section (its own line), each waiting for its line to be on disk.
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await Promise.resolve();
        journal.append(`k${i}`, ["set", i]);
        await journal.durable();
      }),
    );
    const stats = journal.getStats();
    expect(stats.linesWritten).toBe(200);
    expect(stats.flushes).toBeLessThan(200);
    await journal.close();
    expect(reopen(file)).toEqual(Array.from({ length: 200 }, (_, i) => ["set", i]));
  });

  it("compacts once the log outgrows the live records, keeping the latest of each", async () => {
    const file = path.join(dir, "compact.log");
    const live = new Map<string, number>();
    const journal = new Journal({ file, compactFactor: 2, compactMinBytes: 1_000 }, () => undefined);
    journal.setSnapshotSource(() => [...live].map(([key, value]) => ({ key, record: ["set", key, value] })));
    for (let i = 0; i < 300; i++) {
      live.set(`k${i % 3}`, i);
      journal.append(`k${i % 3}`, ["set", `k${i % 3}`, i]);
      await journal.durable();
    }
    expect(journal.getStats().compactions).toBeGreaterThan(0);
    await journal.close();
    const replayed = reopen(file);
    const last = new Map(replayed.map((r) => [r[1] as string, r[2] as number]));
    expect(Object.fromEntries(last)).toEqual({ k0: 297, k1: 298, k2: 299 });
    expect(replayed.length).toBeLessThan(100);
  });
});
