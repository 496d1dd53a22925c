import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./support/localStack";

interface ProbeResult {
  readonly traceparent: string;
  readonly spans: { readonly name: string; readonly traceId: string; readonly parentSpanId?: string }[];
}

/**
 * The emulator's delivery hops join the flow's trace: one span per delivery attempt, a child of the span that published
 * the event. Run in a plain node process (the probe), since OTLP export does not complete inside jest's sandbox.
 */
describe("Event Grid emulator delivery spans", () => {
  it("exports a span per delivery of a sign-up, each a child of the span that published it", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, "test/fixtures/deliveryTracingProbe.js"), repoRoot], {
      timeout: 90_000,
    });
    const result = JSON.parse(stdout) as ProbeResult;
    const [, traceId, publisherSpanId] = result.traceparent.split("-");
    const deliveries = result.spans.filter((s) => s.traceId === traceId && s.parentSpanId === publisherSpanId);
    expect(deliveries.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "eventgrid deliver users-crm-addContactWhenUserSignedUp",
        "eventgrid deliver users-email-sendWelcomeEmailWhenUserSignedUp",
        "eventgrid deliver users-rewards-assignFreeCreditsWhenUserSignedUp",
        "eventgrid deliver users-journal-recordEventInJournal",
      ]),
    );
  }, 120_000);
});
