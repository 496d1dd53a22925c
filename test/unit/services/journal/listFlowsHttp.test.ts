import { HttpRequest, InvocationContext } from "@azure/functions";
import { problemFromError } from "#src/platform/http";
import { ServiceRuntime } from "#src/platform/runtime";
import { AppConfig } from "#src/platform/config";
import { randomIds } from "#src/platform/ids";
import { runReaction } from "#src/platform/reactions";
import { Versioned } from "#src/platform/store";
import { FlowSummaryDocument } from "#src/services/journal/flowSummary";
import { FlowListQuery } from "#src/services/journal/flowIndex";
import { listFlowStepsThrough } from "#src/services/journal/flowSteps";
import { listFlows } from "#src/services/journal/listFlowsHttp";
import { JournalPorts } from "#src/services/journal/ports";
import { recordEventInJournal } from "#src/services/journal/recordEventInJournal";
import { parseJournalSettings } from "#src/services/journal/settings";
import { anEvent } from "../../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

const startedAt = new Date("2026-01-01T00:00:00.000Z");

const setup = () => {
  const store = createInMemoryStore();
  const queries: FlowListQuery[] = [];
  const ports: JournalPorts = {
    settings: parseJournalSettings({ FLOW_DEADLINE_ONBOARDING_MS: "60000" }),
    flowIndex: {
      async listFlowSummaries(query) {
        queries.push(query);
        return store.all().filter((d) => d.kind === "flowSummary") as Versioned<FlowSummaryDocument>[];
      },
      listFlowSteps: listFlowStepsThrough(store),
    },
    incidents: { deadLettersOf: async () => null, poisonOf: async () => null },
  };
  let now = startedAt;
  const runtime = { store, ports, clock: () => now, service: "journal", config: {} as AppConfig, publisher: recordingPublisher(), ids: randomIds } as ServiceRuntime<JournalPorts>;
  const warnings: string[] = [];
  const context = new InvocationContext({ functionName: "journal-listFlows", logHandler: (level, ...args) => void (level === "warning" && warnings.push(String(args[0]))) });
  const list = (query = "") => listFlows(new HttpRequest({ method: "GET", url: `http://localhost/api/flows${query}` }), runtime, context);
  return { store, queries, warnings, list, ports, setClock: (d: Date) => (now = d) };
};

describe("GET /api/flows", () => {
  it.each([
    ["?status=done", /status/],
    ["?flow=shipping", /flow/],
    ["?limit=0", /limit/],
    ["?limit=501", /limit/],
    ["?limit=ten", /limit/],
  ])("answers 400 problem+json for %s", async (query, message) => {
    const { list } = setup();
    const error = await list(query).then(() => undefined, (e: unknown) => e);
    const response = problemFromError(error);
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ "content-type": expect.stringMatching(/^application\/problem\+json/) });
    expect(JSON.stringify(response.jsonBody)).toMatch(message);
  });

  it("passes the filters to the index and defaults the page to 50", async () => {
    const { list, queries } = setup();
    await list("?status=stalled&flow=onboarding&limit=7");
    await list();
    expect(queries.map(({ now: _now, ...q }) => q)).toEqual([{ status: "stalled", flow: "onboarding", limit: 7 }, { limit: 50 }]);
  });

  it("warns once per stalled flow, naming what it waits for", async () => {
    const { list, store, ports, warnings, setClock } = setup();
    const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u", email: "a@b.c", name: "A" }, {
      source: "/services/users", correlationid: "flow-s", time: startedAt.toISOString(),
    });
    await runReaction(recordEventInJournal, signedUp, { store, publisher: recordingPublisher(), ports, clock: () => startedAt });

    const running = (await list()).jsonBody as { flows: { status: string }[] };
    // What the summary holds, nothing read from the flow's events.
    expect(running.flows).toEqual([{ correlationId: "flow-s", status: "running", flow: "onboarding", startedAt: startedAt.toISOString(), endedAt: null }]);
    expect(warnings).toEqual([]);

    setClock(new Date(startedAt.getTime() + 61_000));
    const stalled = (await list()).jsonBody as { flows: { status: string }[] };
    expect(stalled.flows[0]).toMatchObject({ status: "stalled" });
    await list();
    expect(warnings).toHaveLength(1);
    // What it waits for, from its entries.
    expect(warnings[0]).toMatch(/^\[flow flow-s\] stalled: onboarding .*last event Users.UserSignedUp.v1 at .*waiting for .*crm-addContactWhenUserSignedUp/);
  });
});
