import { randomUUID } from "node:crypto";
import type { RpcTypedData } from "./coreTypes";

const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });

/** The `sys` entry the host adds to every invocation's trigger metadata. */
export const sysMetadata = (functionName: string, now: Date): Record<string, RpcTypedData> => ({
  sys: json({ MethodName: functionName, UtcNow: now.toISOString(), RandGuid: randomUUID() }),
});

/** One Event Grid event as the extension binds it: the event object, with its `data` as binding data. */
export const eventGridInput = (
  functionName: string,
  event: unknown,
  now: Date,
): { data: RpcTypedData; triggerMetadata: Record<string, RpcTypedData> } => {
  const data = typeof event === "object" && event !== null ? (event as Record<string, unknown>).data : undefined;
  return {
    data: json(event),
    triggerMetadata: { data: json(data ?? null), ...sysMetadata(functionName, now) },
  };
};

// .NET's DateTime.MinValue, which the timer extension reports as "Last" before a first run.
const neverRan = "0001-01-01T00:00:00";

/** TimerInfo as the timer extension serializes it (PascalCase; the library camel-cases it for the handler). */
export const timerInput = (input: {
  functionName: string;
  now: Date;
  last: Date | undefined;
  next: Date | undefined;
  isPastDue: boolean;
}): { data: RpcTypedData; triggerMetadata: Record<string, RpcTypedData> } => ({
  data: json({
    Schedule: { AdjustForDST: true },
    ScheduleStatus: {
      Last: input.last?.toISOString() ?? neverRan,
      Next: input.next?.toISOString() ?? neverRan,
      LastUpdated: input.now.toISOString(),
    },
    IsPastDue: input.isPastDue,
  }),
  triggerMetadata: sysMetadata(input.functionName, input.now),
});
