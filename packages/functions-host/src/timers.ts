import { scheduleOf } from "./functionInfo";
import type { InvocationOutcome } from "./invoker";
import type { HostLog } from "./logger";
import { nextOccurrence, parseSchedule, type Schedule } from "./ncrontab";
import type { RegisteredFunction } from "./registry";

/** setTimeout's ceiling (~24.8 days); longer waits are taken in hops. */
const maxDelayMs = 2_147_483_647;

export interface TimerDeps {
  readonly log: HostLog;
  readonly now: () => Date;
  readonly env: NodeJS.ProcessEnv;
  invokeTimer(fn: RegisteredFunction, info: { last: Date | undefined; next: Date | undefined }): Promise<InvocationOutcome>;
}

/** `%NAME%` in a schedule is an app setting, as in every binding expression of the host. */
export const resolveAppSettings = (value: string, env: NodeJS.ProcessEnv): string =>
  value.replace(/%([^%]+)%/g, (whole, name: string) => env[name] ?? whole);

export const timerSchedule = (fn: RegisteredFunction, env: NodeJS.ProcessEnv): Schedule =>
  parseSchedule(resolveAppSettings(scheduleOf(fn), env));

/**
 * Runs each timer function on its schedule, one invocation at a time per function (the next occurrence is computed
 * when the previous run ends, as the timer extension's singleton lock makes it). Timers are unref'd: they never keep
 * the process alive on their own.
 */
export const startTimers = (functions: readonly RegisteredFunction[], deps: TimerDeps): { stop(): void } => {
  const handles = new Set<NodeJS.Timeout>();
  let stopped = false;

  const wait = (until: Date, then: () => void): void => {
    const delay = Math.max(0, until.getTime() - deps.now().getTime());
    const handle = setTimeout(
      () => {
        handles.delete(handle);
        if (stopped) return;
        if (delay > maxDelayMs) wait(until, then);
        else then();
      },
      Math.min(delay, maxDelayMs),
    );
    handle.unref();
    handles.add(handle);
  };

  for (const fn of functions) {
    let schedule: Schedule;
    try {
      schedule = timerSchedule(fn, deps.env);
    } catch (error) {
      deps.log("error", `The '${fn.name}' function is in error: ${(error as Error).message}`);
      continue;
    }
    let last: Date | undefined;
    // Timers may fire a hair early; never computing from before the occurrence just served avoids a double run.
    let served = new Date(0);
    const after = (): Date => {
      const now = deps.now();
      return now > served ? now : served;
    };
    const run = async (): Promise<void> => {
      await deps.invokeTimer(fn, { last, next: nextOccurrence(schedule, after()) });
      last = deps.now();
    };
    const scheduleNext = (): void => {
      if (stopped) return;
      const next = nextOccurrence(schedule, after());
      if (!next) {
        deps.log("warn", `Timer '${fn.name}' (${schedule.expression}) has no next occurrence.`);
        return;
      }
      deps.log("debug", `Timer '${fn.name}' next run at ${next.toISOString()}`);
      wait(next, () => {
        served = next;
        void run().finally(scheduleNext);
      });
    };
    if (fn.trigger.runOnStartup === true) void run().finally(scheduleNext);
    else scheduleNext();
  }

  return {
    stop() {
      stopped = true;
      for (const handle of handles) clearTimeout(handle);
      handles.clear();
    },
  };
};
