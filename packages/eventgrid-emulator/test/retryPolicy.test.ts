import {
  decideNextStep,
  EVENT_GRID_RETRY_SCHEDULE_IN_MS,
  outcomeForStatus,
  retryDelayInMs,
  scaleSchedule,
  scaledTimeToLiveInMs,
  type RetryPolicy,
} from "../src/retryPolicy";

const policy: RetryPolicy = { scheduleInMs: [100, 300, 600], maxDeliveryAttempts: 5, eventTimeToLiveInMs: 10_000 };
const failed = { outcome: "GenericError" as const, httpStatusCode: 500 };

describe("Event Grid retry policy", () => {
  it("counts only 200-204 as delivered", () => {
    expect([200, 202, 204].map(outcomeForStatus)).toEqual(["Succeeded", "Succeeded", "Succeeded"]);
    expect([205, 302, 404, 429, 500, 503].map(outcomeForStatus)).toEqual([
      "GenericError",
      "GenericError",
      "NotFound",
      "Busy",
      "GenericError",
      "Busy",
    ]);
  });

  it("follows the schedule and repeats its last step", () => {
    expect([1, 2, 3, 4, 9].map((n) => retryDelayInMs(policy.scheduleInMs, n))).toEqual([100, 300, 600, 600, 600]);
  });

  it("scales Event Grid's schedule: 10 s becomes 100 ms at 0.01, the 12 h step repeats", () => {
    const scaled = scaleSchedule(EVENT_GRID_RETRY_SCHEDULE_IN_MS, 0.01);
    expect(scaled[0]).toBe(100);
    expect(retryDelayInMs(scaled, 25)).toBe(432_000);
  });

  it("scales a time to live like the schedule: 24 h becomes 14.4 min at 0.01, 2 h keeps its 1:12 ratio to it", () => {
    expect(scaledTimeToLiveInMs(1440, 0.01)).toBe(864_000);
    expect(scaledTimeToLiveInMs(120, 0.01) * 12).toBe(scaledTimeToLiveInMs(1440, 0.01));
    expect(scaledTimeToLiveInMs(1440, 1)).toBe(24 * 3600 * 1000);
  });

  it("retries a failure until the attempts run out", () => {
    expect(decideNextStep(failed, 1, policy, 0, 0)).toEqual({ kind: "retry", delayInMs: 100 });
    expect(decideNextStep(failed, 5, policy, 0, 0)).toEqual({
      kind: "deadLetter",
      reason: "MaxDeliveryAttemptsExceeded",
      delayInMs: 0,
    });
  });

  it.each([
    [400, "UndeliverableDueToHttpBadRequest"],
    [401, "UndeliverableDueToHttpUnauthorized"],
    [403, "UndeliverableDueToHttpForbidden"],
    [413, "UndeliverableDueToHttpPayloadTooLarge"],
  ])("dead-letters a %s answer at once", (status, reason) => {
    expect(decideNextStep({ outcome: outcomeForStatus(status), httpStatusCode: status }, 1, policy, 0, 0)).toEqual({
      kind: "deadLetter",
      reason,
      delayInMs: 0,
    });
  });

  it("dead-letters when the time to live ends, at the moment it ends", () => {
    expect(decideNextStep(failed, 3, policy, 0, 9_700)).toEqual({
      kind: "deadLetter",
      reason: "TimeToLiveExceeded",
      delayInMs: 300,
    });
  });

  it("is done on success", () => {
    expect(decideNextStep({ outcome: "Succeeded", httpStatusCode: 200 }, 7, policy, 0, 99_999)).toEqual({ kind: "done" });
  });
});
