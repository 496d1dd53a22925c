import { deadLetterBlobName, toDeadLetterBlobEntry } from "#dev/eventGridDeadLetters";
import { groupDeadLetters, parseDeadLetterBlob } from "#scripts/ops/deadLetters";
import { recheckEvent } from "#scripts/ops/recheck";
import { REDACTED } from "#src/events/redaction";
import { redactPoisonEvent } from "#src/platform/poisonRedaction";

describe("Event Grid's dead-letter blob layout and shape", () => {
  it("names blobs <SUBSCRIPTION IN UPPER CASE>/<YYYY>/<M>/<D>/<H>/<id>.json in UTC, not zero-padded", () => {
    expect(deadLetterBlobName("users-crm-addContact", new Date("2026-03-04T05:06:07Z"), "abc")).toBe("USERS-CRM-ADDCONTACT/2026/3/4/5/abc.json");
    expect(deadLetterBlobName("s", new Date("2026-12-31T23:59:59Z"), "x")).toBe("S/2026/12/31/23/x.json");
  });

  it("writes the event beside the dead-letter properties, and reads that shape and Event Grid's flat one back", () => {
    const event = { specversion: "1.0" as const, id: "e-1", source: "/s", type: "T.v1", data: { a: 1 } };
    const entry = toDeadLetterBlobEntry({
      index: 0,
      subscription: "sub",
      topic: "users",
      event,
      deadLetterReason: "MaxDeliveryAttemptsExceeded",
      deliveryAttempts: 30,
      lastDeliveryOutcome: "GenericError",
      lastHttpStatusCode: 500,
      lastErrorMessage: "not part of the blob",
      publishTime: "2026-01-01T00:00:00.000Z",
      lastDeliveryAttemptTime: "2026-01-02T00:00:00.000Z",
    });
    expect(entry).toEqual({
      event,
      deadLetterReason: "MaxDeliveryAttemptsExceeded",
      deliveryAttempts: 30,
      lastDeliveryOutcome: "GenericError",
      lastHttpStatusCode: 500,
      publishTime: "2026-01-01T00:00:00.000Z",
      lastDeliveryAttemptTime: "2026-01-02T00:00:00.000Z",
    });
    const [nested] = parseDeadLetterBlob("SUB/2026/1/2/0/x.json", JSON.stringify([entry]));
    expect(nested).toMatchObject({ subscription: "SUB", event, deadLetterReason: "MaxDeliveryAttemptsExceeded", deliveryAttempts: 30, lastHttpStatusCode: 500 });
    // The Event Grid schema's dead letters put the event's own fields at the top level.
    const flat = parseDeadLetterBlob("SUB/2026/1/2/0/y.json", JSON.stringify([{ id: "g-1", eventType: "X", data: {}, deadLetterReason: "TimeToLiveExceeded", deliveryAttempts: 3, lastDeliveryOutcome: "TimedOut" }]));
    expect(flat[0]).toMatchObject({ event: { id: "g-1", eventType: "X", data: {} }, deadLetterReason: "TimeToLiveExceeded", deliveryAttempts: 3 });
    expect(flat[0]!.event).not.toHaveProperty("deadLetterReason");
    expect(() => parseDeadLetterBlob("SUB/bad.json", "{not json")).toThrow(/^SUB\/bad\.json is not JSON/);
  });

  it("groups by subscription and reason with counts, largest first", () => {
    const item = (subscription: string, deadLetterReason: string, type: string) => ({
      blobName: "b", subscription, event: { type }, deadLetterReason, deliveryAttempts: 1, lastDeliveryOutcome: "BadRequest",
    });
    expect(groupDeadLetters([item("A", "R1", "T1"), item("B", "R1", "T1"), item("B", "R1", "T2"), item("B", "R2", "T1")])).toEqual([
      { subscription: "B", deadLetterReason: "R1", count: 2, eventTypes: ["T1", "T2"] },
      { subscription: "A", deadLetterReason: "R1", count: 1, eventTypes: ["T1"] },
      { subscription: "B", deadLetterReason: "R2", count: 1, eventTypes: ["T1"] },
    ]);
  });

  it("names a dead letter whose type is no string by its JSON, not [object Object], and one without a type by ?", () => {
    const item = (event: Record<string, unknown>) => ({ blobName: "b", subscription: "A", event, deadLetterReason: "R", deliveryAttempts: 1, lastDeliveryOutcome: "BadRequest" });
    expect(groupDeadLetters([item({ type: { nested: 1 } }), item({ type: 7 }), item({})])[0]!.eventTypes).toEqual(["7", "?", '{"nested":1}']);
  });

  it("re-checks a replay against today's schema: unknown types and invalid data are refused with the reason", () => {
    expect(recheckEvent({ type: "Nope.v1" })).toEqual({ ok: false, reason: 'unknown event type "Nope.v1"' });
    const invalid = recheckEvent({ specversion: "1.0", id: "i", source: "/s", type: "Users.UserSignedUp.v1", time: "2026-01-01T00:00:00Z", correlationid: "c", data: { userId: "u" } });
    expect(invalid.ok).toBe(false);
    expect(!invalid.ok && invalid.reason).toMatch(/^Invalid data for Users\.UserSignedUp\.v1: /);
  });

  it("refuses an event whose data was redacted when it was parked: replaying it would publish [redacted] as data", () => {
    const signedUp = { specversion: "1.0", id: "i", source: "/users", type: "Users.UserSignedUp.v1", time: "2026-01-01T00:00:00Z", correlationid: "c" };
    // Valid by the schema (a name is any text), yet not the user's name any more.
    const nameRedacted = recheckEvent({ ...signedUp, data: { userId: "u", email: "ada@example.com", name: REDACTED } });
    expect(nameRedacted).toEqual({ ok: false, reason: expect.stringMatching(/^data\.name was redacted when the event was parked/) });
    // As a poison record keeps it: every sensitive field redacted.
    const parked = redactPoisonEvent({ ...signedUp, data: { userId: "u", email: "ada@example.com", name: "Ada" } });
    expect(recheckEvent(parked)).toEqual({ ok: false, reason: expect.stringMatching(/^data\.email was redacted/) });
    expect(recheckEvent({ ...signedUp, data: { userId: "u", email: "ada@example.com", name: "Ada" } }).ok).toBe(true);
  });
});
