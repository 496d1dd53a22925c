import { Parser } from "@asyncapi/parser";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { eventTypes } from "../../../src/events/catalog";
import { listSubscriptions } from "../../../src/topology";
import { renderAsyncApi } from "../../../scripts/gen-asyncapi";

const committed = readFileSync(path.resolve(__dirname, "../../../docs/asyncapi.yaml"), "utf8");

describe("AsyncAPI 3.0 description (docs/asyncapi.yaml)", () => {
  it("is valid for the AsyncAPI parser, with no error", async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    // Severity 0 is an error; warnings (1) and hints are style advice and are printed, not failed on.
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join(".")}: ${d.message}`);
    expect(errors).toEqual([]);
    const warnings = diagnostics.filter((d) => d.severity === 1).map((d) => `${d.path.join(".")}: ${d.message}`);
    if (warnings.length > 0) console.warn(`AsyncAPI warnings:\n  ${warnings.join("\n  ")}`);
    expect(document).toBeDefined();
    // What a tool reading the document sees: every event type, and one receive operation per Event Grid subscription.
    expect(document!.allMessages().all().map((m) => m.name()).sort()).toEqual([...eventTypes].sort());
    const receives = document!.operations().filterByReceive().map((o) => o.id());
    expect(receives.sort()).toEqual(listSubscriptions().map((s) => s.name).sort());
    const placed = document!.allMessages().all().find((m) => m.name() === "Orders.OrderPlaced.v1")!;
    expect(placed.headers()?.properties()?.["correlationid"]).toBeDefined();
    expect(placed.payload()?.required()).toContain("orderId");
  });

  it("rejects a document that breaks the spec, so the check above can fail", async () => {
    const broken = parse(committed) as { operations: Record<string, { channel: unknown }> };
    const first = Object.keys(broken.operations)[0]!;
    broken.operations[first]!.channel = { $ref: "#/channels/no-such-topic" };
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  });

  it("is what the code generates (npm run gen:docs)", () => {
    expect(committed).toBe(renderAsyncApi());
  });
});
