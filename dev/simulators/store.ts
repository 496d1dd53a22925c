import { Journal, deleteJournal, type JournalRecord } from "@azure-choreography/server-kit";

/**
 * Where a simulator keeps its records: tables of JSON values by key. In memory by default; on `npm start` in a
 * journal under `.local-data/` (server-kit's Journal, the one the Cosmos server and the Event Grid emulator use), so
 * that a gateway, a bank, a CRM and a mailbox remember across a restart of the stack, even `kill -9`, what they did,
 * as real outside systems would. A value changed in place must be `set` again to be kept.
 */
export interface Table<T> {
  get(key: string): T | undefined;
  has(key: string): boolean;
  set(key: string, value: T): void;
  delete(key: string): void;
  /** In the order the keys were first set. */
  values(): IterableIterator<T>;
  clear(): void;
  readonly size: number;
}

export interface SimulatorStore {
  table<T>(name: string): Table<T>;
  /** Resolves once everything set so far is on disk; a simulator's answer waits for it (see durableAnswers). */
  durable(): Promise<void>;
  /** Whether something set is not on disk yet. */
  readonly pending: boolean;
  close(): Promise<void>;
}

export const memoryStore = (): SimulatorStore => {
  const tables = new Map<string, Map<string, unknown>>();
  return {
    table: <T>(name: string) => {
      let map = tables.get(name);
      if (!map) tables.set(name, (map = new Map<string, unknown>()));
      return map as unknown as Table<T>;
    },
    durable: () => Promise.resolve(),
    pending: false,
    close: () => Promise.resolve(),
  };
};

/** Tables kept in the journal `file`: replayed when opened; records ["set", table, key, value] · ["del", table, key] · ["clear", table]. */
export const journaledStore = (file: string): SimulatorStore => {
  const tables = new Map<string, Map<string, unknown>>();
  const mapOf = (name: string): Map<string, unknown> => {
    let map = tables.get(name);
    if (!map) tables.set(name, (map = new Map<string, unknown>()));
    return map;
  };
  let records = 0;
  const journal = new Journal({ file }, ([type, table, key, value]) => {
    records++;
    if (type === "set") mapOf(table as string).set(key as string, value);
    else if (type === "del") mapOf(table as string).delete(key as string);
    else if (type === "clear") mapOf(table as string).clear();
  });
  const keyOf = (table: string, key: string) => `${table}\u0000${key}`;
  const snapshot = function* (): Iterable<{ key: string; record: JournalRecord }> {
    for (const [table, map] of tables) for (const [key, value] of map) yield { key: keyOf(table, key), record: ["set", table, key, value] };
  };
  journal.setSnapshotSource(snapshot);
  let live = 0;
  for (const { key, record } of snapshot()) {
    journal.track(key, JSON.stringify(record).length + 3);
    live++;
  }
  if (records > live) journal.compactNow();

  const table = <T>(name: string): Table<T> => {
    const map = mapOf(name) as Map<string, T>;
    return {
      get: (key) => map.get(key),
      has: (key) => map.has(key),
      set: (key, value) => {
        map.set(key, value);
        journal.append(keyOf(name, key), ["set", name, key, value]);
      },
      delete: (key) => {
        if (!map.delete(key)) return;
        journal.append(keyOf(name, key), ["del", name, key], true);
      },
      values: () => map.values(),
      clear: () => {
        for (const key of map.keys()) journal.track(keyOf(name, key), undefined);
        map.clear();
        journal.append(`${name}\u0000clear`, ["clear", name], true);
      },
      get size() {
        return map.size;
      },
    };
  };
  return {
    table,
    durable: () => journal.durable(),
    get pending() {
      return journal.pending;
    },
    close: () => journal.close(),
  };
};

export const deleteSimulatorData = (file: string): void => deleteJournal(file);
