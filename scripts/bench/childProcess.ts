import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * Runs a bench worker (a compiled script next to this one) in its own process and returns the JSON it prints last.
 * Load generators run apart from the servers they load, so each side's CPU time is its own.
 */
export const runWorker = <T>(script: string, args: Record<string, string | number>): Promise<T> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, script), JSON.stringify(args)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => (out += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${out.slice(-500)}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no result: ${out.slice(-500)}`));
      }
    });
  });

/** The arguments a worker was started with. */
export const workerArgs = <T>(): T => JSON.parse(process.argv[2] ?? "{}") as T;

/** One process's CPU time (user + system, ms) so far: in all, and its main thread's alone (where its JavaScript runs). */
export interface ProcessCpu {
  readonly ms: number;
  readonly mainThreadMs: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Fields after the parenthesised command of a /proc stat line: state(0) ppid(1) … utime(11) stime(12). */
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(")") + 2).split(" ");
const cpuOfFields = (fields: readonly string[]): number => ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;

/** CPU of each of this process's direct children so far, by pid, from /proc (Linux); undefined elsewhere. */
export const childrenCpuMs = (): ReadonlyMap<number, ProcessCpu> | undefined => {
  try {
    const byPid = new Map<number, ProcessCpu>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let fields: string[];
      let mainThread: string[];
      try {
        fields = statFields(readFileSync(`/proc/${entry}/stat`, "utf8"));
        if (Number(fields[1]) !== process.pid) continue;
        // The thread whose id is the process id is the one the process started with: Node's main thread.
        mainThread = statFields(readFileSync(`/proc/${entry}/task/${entry}/stat`, "utf8"));
      } catch {
        continue;
      }
      byPid.set(Number(entry), { ms: cpuOfFields(fields), mainThreadMs: cpuOfFields(mainThread) });
    }
    return byPid;
  } catch {
    return undefined;
  }
};

/**
 * The children's CPU between two samples, pid by pid: a child started in between counts from zero; one that exited
 * in between took its counters with it, so it is left out and named (`exited`) rather than subtracted from a bare
 * difference of sums. (The negative CPU per flow seen at c=1 in the 03:18Z and 05:11Z runs was not this but the end
 * sample being older than the start: see window.ts.) `busiestMainThreadMs`: the most any one child's main thread used.
 */
export const childrenCpuBetween = (
  start: ReadonlyMap<number, ProcessCpu> | undefined,
  end: ReadonlyMap<number, ProcessCpu> | undefined,
): { readonly ms: number; readonly busiestMainThreadMs: number; readonly exited: readonly number[] } | undefined => {
  if (!start || !end) return undefined;
  let ms = 0;
  let busiestMainThreadMs = 0;
  for (const [pid, cpu] of end) {
    const before = start.get(pid);
    ms += cpu.ms - (before?.ms ?? 0);
    busiestMainThreadMs = Math.max(busiestMainThreadMs, cpu.mainThreadMs - (before?.mainThreadMs ?? 0));
  }
  return { ms, busiestMainThreadMs, exited: [...start.keys()].filter((pid) => !end.has(pid)) };
};

/** This process's main thread's CPU so far (ms), from /proc (Linux); undefined elsewhere. */
export const ownMainThreadCpuMs = (): number | undefined => {
  try {
    return cpuOfFields(statFields(readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8")));
  } catch {
    return undefined;
  }
};

export const ownCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
