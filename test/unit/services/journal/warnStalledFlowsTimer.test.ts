import { runReaction } from "#src/platform/reactions";
import { ServiceRuntime } from "#src/platform/runtime";
import { listFlowStepsThrough } from "#src/services/journal/flowSteps";
import { FlowSummaryDocument } from "#src/services/journal/flowSummary";
import { JournalPorts } from "#src/services/journal/ports";
import { recordEventInJournal } from "#src/services/journal/recordEventInJournal";
import { parseJournalSettings } from "#src/services/journal/settings";
import { warnStalledFlows } from "#src/services/journal/warnStalledFlowsTimer";
import { anEvent, fixedNow } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

describe("journal: the stalled-flows timer", () => {
  it("warns once per flow past its deadline without an outcome, naming what it waits for, without anyone reading it", async () => {
    const store = createInMemoryStore();
    const ports: JournalPorts = {
      settings: parseJournalSettings({ FLOW_DEADLINE_ONBOARDING_MS: "60000" }),
      // The Cosmos query (TOP … ORDER BY) is tested against the local server; here the index is the store's summaries.
      flowIndex: { listFlowSummaries: async () => store.all().filter((d) => d.kind === "flowSummary") as unknown as FlowSummaryDocument[], listFlowSteps: listFlowStepsThrough(store) },
      incidents: { deadLettersOf: async () => null, poisonOf: async () => null },
    };
    const signedUp = anEvent(
      "Users.UserSignedUp.v1",
      { userId: "u-1", email: "a@example.com", name: "A" },
      { source: "/services/users", correlationid: "flow-stalled", time: fixedNow.toISOString() },
    );
    await runReaction(recordEventInJournal, signedUp, { store, publisher: recordingPublisher(), ports, clock: () => fixedNow });

    let now = new Date(fixedNow.getTime() + 30_000);
    const rt = { service: "journal", store, publisher: recordingPublisher(), ports, clock: () => now, ids: { newId: () => "x" }, config: {} } as unknown as ServiceRuntime<JournalPorts>;
    const warnings: string[] = [];
    const log = { warn: (line: string) => warnings.push(line) };

    expect(await warnStalledFlows(rt, log)).toBeUndefined();
    expect(warnings).toEqual([]);

    now = new Date(fixedNow.getTime() + 61_000);
    expect(await warnStalledFlows(rt, log)).toBe("1 flow(s) newly stalled");
    expect(await warnStalledFlows(rt, log)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[flow flow-stalled\] stalled: onboarding flow .* waiting for .*crm-addContactWhenUserSignedUp/);
  });
});
