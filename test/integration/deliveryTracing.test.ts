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
 * the event, named by the event type and the reaction it feeds. Run in a plain node process (the probe), as `npm start` runs it.
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
        "deliver Users.UserSignedUp.v1 to crm-addContactWhenUserSignedUp",
        "deliver Users.UserSignedUp.v1 to email-sendWelcomeEmailWhenUserSignedUp",
        "deliver Users.UserSignedUp.v1 to rewards-assignFreeCreditsWhenUserSignedUp",
        "deliver Users.UserSignedUp.v1 to journal-recordEventInJournal",
      ]),
    );
  }, 120_000);
});
