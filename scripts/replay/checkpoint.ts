import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * What replay has delivered to one function, kept on disk: a replay interrupted at any point resumes where it was, and
 * a second replay of the same window delivers nothing new. Written to a temporary file and renamed, so a crash leaves
 * the old checkpoint or the new one, never half of one.
 */
export interface ReplayCheckpoint {
  has(eventId: string): boolean;
  /** Records a delivered event; flushed to disk every `flushEvery` events and by `flush`. */
  add(eventId: string): void;
  flush(): void;
  readonly file: string;
}

export const openCheckpoint = (dir: string, functionName: string, flushEvery = 20): ReplayCheckpoint => {
  const file = path.join(dir, `${functionName}.json`);
  const delivered = new Set<string>(existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { delivered: string[] }).delivered : []);
  let unflushed = 0;
  const flush = (): void => {
    if (unflushed === 0 && existsSync(file)) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ functionName, delivered: [...delivered] }));
    renameSync(`${file}.tmp`, file);
    unflushed = 0;
  };
  return {
    file,
    has: (id) => delivered.has(id),
    add(id) {
      delivered.add(id);
      if (++unflushed >= flushEvery) flush();
    },
    flush,
  };
};
