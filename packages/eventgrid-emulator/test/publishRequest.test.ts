import { EventGridEmulatorError } from "../src/errors";
import { parsePublishRequest } from "../src/publishRequest";

const event = { specversion: "1.0", id: "e-1", source: "/orders", type: "Orders.OrderPlaced.v1", correlationid: "c" };
const batch = "application/cloudevents-batch+json; charset=utf-8";
const parse = (body: unknown, contentType = batch) => parsePublishRequest(Buffer.from(JSON.stringify(body)), contentType);
const failure = (run: () => unknown): EventGridEmulatorError => {
  try {
    run();
  } catch (error) {
    if (error instanceof EventGridEmulatorError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
};

describe("parsePublishRequest", () => {
  it("accepts what EventGridPublisherClient sends and keeps extensions flat", () => {
    expect(parse([event, { ...event, id: "e-2", data: { a: 1 } }])).toEqual([event, { ...event, id: "e-2", data: { a: 1 } }]);
  });

  it("accepts one structured event", () => {
    expect(parse(event, "application/cloudevents+json")).toEqual([event]);
  });

  it("refuses a batch content type carrying one object, and the reverse", () => {
    expect(failure(() => parse(event)).status).toBe(400);
    expect(failure(() => parse([event], "application/cloudevents+json")).status).toBe(400);
  });

  it("refuses data together with data_base64", () => {
    expect(failure(() => parse([{ ...event, data: 1, data_base64: "AA==" }])).message).toMatch(/mutually exclusive/);
  });

  it("refuses a time that is not a timestamp", () => {
    expect(failure(() => parse([{ ...event, time: "yesterday" }])).message).toMatch(/'time'/);
  });

  it("answers 413 for an event over 1 MB", () => {
    const big = { ...event, data: "x".repeat(1024 * 1024) };
    const refusal = failure(() => parse([big]));
    expect(refusal.status).toBe(413);
  });

  it("answers 400 over 5,000 events and accepts exactly 5,000", () => {
    expect(parse(Array.from({ length: 5000 }, () => event))).toHaveLength(5000);
    expect(failure(() => parse(Array.from({ length: 5001 }, () => event))).message).toMatch(/5001 events/);
  });
});
