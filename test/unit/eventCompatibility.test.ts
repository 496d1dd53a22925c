import { z } from "zod";
import { breakingChanges } from "#src/events/compatibility";

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input" }) as Record<string, unknown>;
const v1 = z.object({ orderId: z.string(), total: z.number(), currency: z.enum(["EUR", "USD"]), note: z.string().optional() });

describe("event schema compatibility (governance: a breaking change is a new .vN type)", () => {
  it("accepts additive changes: a new optional property", () => {
    expect(breakingChanges(schema(v1), schema(v1.extend({ coupon: z.string().optional() })))).toEqual([]);
  });

  it.each([
    ["a required property removed", v1.omit({ total: true }), /data.total: removed/],
    ["a new required property", v1.extend({ coupon: z.string() }), /data.coupon: now required/],
    ["an optional property made required", v1.extend({ note: z.string() }), /data.note: now required/],
    ["a type change", v1.extend({ total: z.string() }), /data.total: type "number" became "string"/],
    ["an enum value removed", v1.extend({ currency: z.enum(["EUR"]) }), /data.currency: values "USD" no longer allowed/],
    ["an enum value added", v1.extend({ currency: z.enum(["EUR", "USD", "GBP"]) }), /data.currency: new values "GBP"/],
  ])("reports %s", (_, next, expected) => {
    expect(breakingChanges(schema(v1), schema(next)).join("\n")).toMatch(expected);
  });

  it("looks into arrays of objects", () => {
    const before = z.object({ items: z.array(z.object({ sku: z.string(), quantity: z.number() })) });
    const after = z.object({ items: z.array(z.object({ sku: z.string() })) });
    expect(breakingChanges(schema(before), schema(after))).toEqual(["data.items[].quantity: removed (consumers deployed earlier need it)"]);
  });
});
