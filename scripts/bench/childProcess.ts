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

/** CPU time (user + system, ms) of each of this process's direct children so far, by pid, from /proc (Linux); undefined elsewhere. */
export const childrenCpuMs = (): ReadonlyMap<number, number> | undefined => {
  try {
    const ticksPerSecond = 100; // USER_HZ on Linux
    const byPid = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      // Fields after the parenthesised command: state ppid ... utime(14) stime(15), 1-based over the whole line.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid) continue;
      byPid.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000);
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
 * sample being older than the start: see window.ts.)
 */
export const childrenCpuBetween = (
  start: ReadonlyMap<number, number> | undefined,
  end: ReadonlyMap<number, number> | undefined,
): { readonly ms: number; readonly exited: readonly number[] } | undefined => {
  if (!start || !end) return undefined;
  let ms = 0;
  for (const [pid, cpu] of end) ms += cpu - (start.get(pid) ?? 0);
  return { ms, exited: [...start.keys()].filter((pid) => !end.has(pid)) };
};

export const ownCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
