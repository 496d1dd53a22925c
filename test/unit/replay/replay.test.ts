import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CloudEventEnvelope } from "#src/events/envelope";
import { openCheckpoint } from "#scripts/replay/checkpoint";
import { replay } from "#scripts/replay/replay";

const event = (n: number, type = "Payments.PaymentConfirmed.v1"): CloudEventEnvelope => ({
  specversion: "1.0",
  id: `e-${n}`,
  source: "/services/payments",
  type,
  time: `2026-12-01T00:00:0${n}Z`,
  correlationid: `flow-${n}`,
  data: { orderId: `o-${n}` },
});

async function* archive(events: readonly CloudEventEnvelope[]): AsyncGenerator<CloudEventEnvelope> {
  yield* events;
}

describe("replay", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "replay-unit-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("resumes after a failure or an interruption: the next run delivers only what the checkpoint lacks, in order", async () => {
    const events = [1, 2, 3, 4].map((n) => event(n));
    const sent: string[] = [];
    const first = await replay({
      events: archive(events),
      deliver: async (e) => {
        if (e.id === "e-3") throw new Error("host answered 500");
        sent.push(e.id);
      },
      checkpoint: openCheckpoint(dir, "f", 1),
      ratePerSecond: 1000,
    });
    expect(first).toMatchObject({ found: 4, delivered: 3, alreadySeen: 0, failed: 1 });
    expect(sent).toEqual(["e-1", "e-2", "e-4"]);

    // A new process, the checkpoint read back from disk.
    const again: string[] = [];
    const second = await replay({ events: archive(events), deliver: async (e) => void again.push(e.id), checkpoint: openCheckpoint(dir, "f"), ratePerSecond: 1000 });
    expect(second).toMatchObject({ found: 4, delivered: 1, alreadySeen: 3, failed: 0 });
    expect(again).toEqual(["e-3"]);
  });

  it("keeps to the rate: n events at r per second wait (n − 1) / r seconds in all", async () => {
    const slept: number[] = [];
    let now = 0;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      await replay({
        events: archive([1, 2, 3, 4, 5].map((n) => event(n))),
        deliver: async () => undefined,
        checkpoint: openCheckpoint(dir, "rate"),
        ratePerSecond: 4,
        sleep: async (ms) => {
          slept.push(ms);
          now += ms;
        },
      });
    } finally {
      Date.now = realNow;
    }
    expect(slept.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it("withholds an event whose sensitive fields are redacted in the archive, unless asked to deliver it masked", async () => {
    const placed = event(1, "Users.UserSignedUp.v1");
    const sent: string[] = [];
    const options = { events: archive([placed]), deliver: async (e: CloudEventEnvelope) => void sent.push(e.id), ratePerSecond: 1000 };
    expect(await replay({ ...options, checkpoint: openCheckpoint(dir, "a") })).toMatchObject({ withheld: 1, delivered: 0 });
    expect(sent).toEqual([]);
    expect(await replay({ ...options, events: archive([placed]), checkpoint: openCheckpoint(dir, "b"), withRedacted: true })).toMatchObject({ withheld: 0, delivered: 1 });
    expect(sent).toEqual(["e-1"]);
  });
});
