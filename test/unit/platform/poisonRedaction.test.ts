import { REDACTED } from "#src/events/redaction";
import { redactPoisonEvent } from "#src/platform/poisonRedaction";
import { parkPoisonEvent } from "#src/platform/reactions";
import { createInMemoryStore } from "../../support/inMemoryStore";

const envelope = {
  specversion: "1.0",
  id: "evt-1",
  source: "/orders",
  time: "2026-01-01T00:00:00Z",
  correlationid: "flow-1",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};

describe("a poison record's copy of the event", () => {
  it("keeps the envelope and the data a person needs, with the type's sensitive fields redacted", () => {
    // Invalid (no name), so it is parked as poison; the e-mail address must not be stored with it.
    const raw = { ...envelope, type: "Users.UserSignedUp.v1", data: { userId: "u-1", email: "ada@example.com", tags: [] } };
    expect(redactPoisonEvent(raw)).toEqual({ ...envelope, type: "Users.UserSignedUp.v1", data: { userId: "u-1", email: REDACTED, tags: [] } });
  });

  it("redacts a field named like a sensitive one wherever a malformed event put it", () => {
    const raw = { ...envelope, type: "Orders.OrderPlaced.v2", data: { customer: { email: "ada@example.com" }, notes: [{ name: "Ada Lovelace" }] } };
    expect(JSON.stringify(redactPoisonEvent(raw))).not.toMatch(/ada@example\.com|Lovelace/);
  });

  it("withholds the data of a type the catalog does not know, extension attributes and over-long attributes", () => {
    const raw = { ...envelope, type: "Unknown.Thing.v1", subject: "x".repeat(5_000), data: { secret: "s" }, customext: "tok_live_4242" };
    expect(redactPoisonEvent(raw)).toEqual({ ...envelope, type: "Unknown.Thing.v1", subject: REDACTED, data: REDACTED, customext: REDACTED });
  });

  it("keeps nothing of what is not an event object", () => {
    expect(redactPoisonEvent("tok_live_4242")).toBe(REDACTED);
    expect(redactPoisonEvent(["tok_live_4242"])).toBe(REDACTED);
    expect(redactPoisonEvent(undefined)).toBeNull();
  });
});

describe("parkPoisonEvent", () => {
  it("stores the redacted copy, never the personal data, in the service's poison partition", async () => {
    const store = createInMemoryStore();
    const raw = { ...envelope, type: "Users.UserSignedUp.v1", data: { userId: 42, email: "ada@example.com", name: "Ada" } };
    await parkPoisonEvent(store, "sendWelcomeEmailWhenUserSignedUp", raw, "userId: expected string", new Date("2026-01-01T00:00:00Z"));
    const [record] = store.all();
    expect(record).toMatchObject({ kind: "poison", event: { id: "evt-1", correlationid: "flow-1", data: { userId: 42, email: REDACTED, name: REDACTED } } });
    expect(JSON.stringify(store.all())).not.toContain("ada@example.com");
  });
});
