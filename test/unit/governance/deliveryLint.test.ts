import { EVENT_GRID_RETRY_SCHEDULE_IN_MS } from "@azure-choreography/eventgrid-emulator";
import { lastAttemptAfterInMs, lintDeliveries } from "#src/governance/deliveryLint";

const MINUTE = 60_000;
const eventGridDefaults = { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440, deadLetter: true };

describe("subscriptions that can lose events (part of the choreography lint)", () => {
  it("knows when Event Grid's schedule makes its last attempt: 10 s, 30 s, 1 m, 5 m … until attempts or time to live run out", () => {
    expect(lastAttemptAfterInMs({ ...eventGridDefaults, maxDeliveryAttempts: 1 }, EVENT_GRID_RETRY_SCHEDULE_IN_MS)).toBe(0);
    expect(lastAttemptAfterInMs({ ...eventGridDefaults, maxDeliveryAttempts: 4 }, EVENT_GRID_RETRY_SCHEDULE_IN_MS)).toBe(100_000);
    // 30 attempts would run for days: the 24 h time to live ends them after the attempt at 22 h 46 min 40 s.
    expect(lastAttemptAfterInMs(eventGridDefaults, EVENT_GRID_RETRY_SCHEDULE_IN_MS)).toBe(((22 * 60 + 46) * 60 + 40) * 1000);
  });

  it("passes Event Grid's defaults with dead-lettering for a 10-minute flow", () => {
    expect(lintDeliveries([{ name: "orders-x", delivery: eventGridDefaults, deadlineInMs: 10 * MINUTE }], EVENT_GRID_RETRY_SCHEDULE_IN_MS)).toEqual([]);
  });

  it("fails a subscription without a dead-letter destination, and one whose retries end before the flow's deadline", () => {
    const problems = lintDeliveries(
      [
        { name: "users-a", delivery: { ...eventGridDefaults, deadLetter: false }, deadlineInMs: 10 * MINUTE },
        { name: "orders-b", delivery: { ...eventGridDefaults, maxDeliveryAttempts: 4 }, deadlineInMs: 5 * MINUTE },
        { name: "orders-c", delivery: { ...eventGridDefaults, eventTimeToLiveInMinutes: 3 }, deadlineInMs: 5 * MINUTE },
      ],
      EVENT_GRID_RETRY_SCHEDULE_IN_MS,
    );
    expect(problems).toEqual([
      "subscription users-a has no dead-letter destination: an event that outlives its retries is lost",
      "subscription orders-b gives up 1.7 min after the first attempt (4 attempts, time to live 1440 min), before the 5 min deadline of the flows it carries",
      "subscription orders-c gives up 1.7 min after the first attempt (30 attempts, time to live 3 min), before the 5 min deadline of the flows it carries",
    ]);
  });
});
