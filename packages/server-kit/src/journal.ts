import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, truncateSync, write, writeSync } from "node:fs";
import path from "node:path";

/**
 * An append-only log of a local server's state changes, for a server that answers only once what it answered is on
 * disk (the Cosmos server's writes, the Event Grid emulator's accepted events and retry schedule, the simulators).
 *
 * One line per synchronous section of the caller (so what one request changes together, such as an atomic batch, is
 * replayed whole or not at all): a JSON array of records. A crash can leave the last line torn; no proper prefix of a JSON array parses, so replay
 * stops at the first line that does not, and the file is cut back to the lines before it.
 *
 * Group commit: lines closed while a write and its fdatasync are under way wait and go together in the next one; a
 * caller learns its lines are durable from `durable()`, which the server awaits before it answers.
 *
 * Compaction: the live state written to a temporary file, fsync'd, renamed over the log (and the folder fsync'd), at
 * open when the log holds anything stale, and while running when it outgrows the live data by `compactFactor`.
 */
export type JournalRecord = readonly unknown[];

export interface JournalOptions {
  /** The log file; its folder is created if missing. */
  readonly file: string;
  /** Compact while running once the log is this many times the live data (and at least `compactMinBytes`). Default 4. */
  readonly compactFactor?: number;
  /** Default 8 MiB: below it a log is left to grow. */
  readonly compactMinBytes?: number;
}

export interface JournalStats {
  readonly logBytes: number;
  readonly liveBytes: number;
  readonly flushes: number;
  readonly linesWritten: number;
  readonly compactions: number;
}

export class Journal {
  private readonly file: string;
  private readonly factor: number;
  private readonly minBytes: number;
  private fd: number;
  private logBytes: number;
  /** Bytes of each live record in the log, by key; their sum is what a compaction would write. */
  private readonly live = new Map<string, number>();
  private liveBytes = 0;
  private openLine: string[] | undefined;
  private openKeys: [string, number][] = [];
  private queued: string[] = [];
  private appended = 0;
  private durableUpTo = 0;
  private waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private snapshotSource: (() => Iterable<{ key: string; record: JournalRecord }>) | undefined;
  private stats = { flushes: 0, linesWritten: 0, compactions: 0 };
  private closed = false;

  /** Opens the log, handing every record it holds to `apply` in order; a torn last line is cut off. */
  constructor(options: JournalOptions, apply: (record: JournalRecord) => void) {
    mkdirSync(path.dirname(options.file), { recursive: true });
    this.file = options.file;
    this.factor = options.compactFactor ?? 4;
    this.minBytes = options.compactMinBytes ?? 8 * 1024 * 1024;
    this.logBytes = replay(this.file, apply);
    this.fd = openSync(this.file, "a");
  }

  /** Where a compaction reads the live state from: every record that rebuilds it, with its key. */
  setSnapshotSource(source: () => Iterable<{ key: string; record: JournalRecord }>): void {
    this.snapshotSource = source;
  }

  /**
   * Counts a record replayed at open as live under `key` (`bytes` of it), or drops the key (`bytes` undefined), so the
   * journal knows how much of the log is live without writing it.
   */
  track(key: string, bytes: number | undefined): void {
    const before = this.live.get(key);
    if (before !== undefined) this.liveBytes -= before;
    if (bytes === undefined) this.live.delete(key);
    else {
      this.live.set(key, bytes);
      this.liveBytes += bytes;
    }
  }

  /**
   * Adds a record to the line of the current synchronous section. `key` names what it describes, so the journal knows
   * how much of the log is live: a later record with the same key supersedes it, one with `removes` ends it.
   */
  append(key: string, record: JournalRecord, removes = false): void {
    if (this.closed) throw new Error("the journal is closed");
    const text = JSON.stringify(record);
    if (!this.openLine) {
      this.openLine = [];
      queueMicrotask(() => this.closeLine());
    }
    this.openLine.push(text);
    this.openKeys.push([key, removes ? -1 : text.length + 3]);
  }

  /** Whether something appended is not on disk yet. */
  get pending(): boolean {
    return this.openLine !== undefined || this.durableUpTo < this.appended;
  }

  /** Resolves once everything appended so far is on disk; rejects if the log cannot be written. */
  durable(): Promise<void> {
    this.closeLine();
    if (this.failure) return Promise.reject(this.failure);
    if (this.durableUpTo >= this.appended) return Promise.resolve();
    const upTo = this.appended;
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
    });
  }

  /** Writes the live state as a new log in place of the old one, now: at open, before anything is written. */
  compactNow(): void {
    if (this.flushing || this.openLine) throw new Error("compactNow runs at open, before anything is appended");
    this.writeSnapshot();
  }

  getStats(): JournalStats {
    return { logBytes: this.logBytes, liveBytes: this.liveBytes, ...this.stats };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.durable().catch(() => undefined);
    this.closed = true;
    closeSync(this.fd);
  }

  private closeLine(): void {
    const line = this.openLine;
    if (!line) return;
    this.openLine = undefined;
    for (const [key, bytes] of this.openKeys) this.track(key, bytes < 0 ? undefined : bytes);
    this.openKeys = [];
    this.queued.push(`[${line.join(",")}]\n`);
    this.appended += 1;
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.failure) return;
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        if (this.shouldCompact()) {
          // The state in memory already holds every queued line: the snapshot replaces them.
          this.writeSnapshot();
          continue;
        }
        const chunk = Buffer.from(this.queued.join(""), "utf8");
        const lines = this.queued.length;
        this.queued = [];
        const upTo = this.durableUpTo + lines;
        await writeAll(this.fd, chunk);
        await new Promise<void>((resolve, reject) => fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
        this.logBytes += chunk.length;
        this.stats.flushes += 1;
        this.stats.linesWritten += lines;
        this.settle(upTo);
      }
    } catch (error) {
      this.failure = new Error(`the store's journal ${this.file} cannot be written: ${(error as Error).message}`);
      for (const w of this.waiters.splice(0)) w.reject(this.failure);
    } finally {
      this.flushing = false;
    }
  }

  private settle(upTo: number): void {
    this.durableUpTo = upTo;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.upTo <= upTo) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private shouldCompact(): boolean {
    return this.snapshotSource !== undefined && this.logBytes >= this.minBytes && this.logBytes > this.factor * Math.max(1, this.liveBytes);
  }

  /** Synchronous, so the state it reads is one moment's; everything appended before it is in it. */
  private writeSnapshot(): void {
    if (!this.snapshotSource) throw new Error("the journal has no snapshot source");
    const tmp = `${this.file}.tmp`;
    const parts: string[] = [];
    this.live.clear();
    this.liveBytes = 0;
    for (const { key, record } of this.snapshotSource()) {
      const text = JSON.stringify(record);
      parts.push(`[${text}]\n`);
      this.track(key, text.length + 3);
    }
    const content = parts.join("");
    const fd = openSync(tmp, "w");
    try {
      writeAllSync(fd, Buffer.from(content, "utf8"));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(tmp, this.file);
    fsyncDirectory(path.dirname(this.file));
    this.fd = openSync(this.file, "a");
    this.logBytes = Buffer.byteLength(content, "utf8");
    this.queued = [];
    this.stats.compactions += 1;
    this.settle(this.appended);
  }
}

/** Applies every complete line of the log; cuts a torn tail off so the next append starts on a line of its own. */
function replay(file: string, apply: (record: JournalRecord) => void): number {
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  let start = 0;
  while (start < buffer.length) {
    const end = buffer.indexOf(0x0a, start);
    if (end < 0) break;
    let records: unknown;
    try {
      records = JSON.parse(buffer.toString("utf8", start, end));
    } catch {
      break;
    }
    if (!Array.isArray(records)) break;
    for (const record of records) apply(record as JournalRecord);
    start = end + 1;
  }
  if (start < buffer.length) truncateSync(file, start);
  return start;
}

function writeAll(fd: number, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (offset: number): void => {
      write(fd, chunk, offset, chunk.length - offset, null, (error, written) => {
        if (error) return reject(error);
        if (offset + written < chunk.length) next(offset + written);
        else resolve();
      });
    };
    next(0);
  });
}

function writeAllSync(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}

function fsyncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a folder; the rename is still atomic there.
  }
}

/** Removes a log (and a compaction's leftover), for a fresh start. */
export const deleteJournal = (file: string): void => {
  rmSync(file, { force: true });
  rmSync(`${file}.tmp`, { force: true });
};
