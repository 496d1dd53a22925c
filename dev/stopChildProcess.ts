import type { ChildProcess } from "node:child_process";

/** Asks a child process to stop (SIGTERM), kills it if it has not exited after `graceInMs`, and waits for its exit. */
export const stopChildProcess = (child: ChildProcess, graceInMs: number): Promise<void> =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), graceInMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
