import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { eventTypes } from "#src/events/catalog";
import { listSubscriptions } from "#src/topology";
import { singleShardLayout } from "#src/events/topicShards";
import { renderAsyncApi } from "#scripts/gen-asyncapi";

/** The parser's diagnostics as this test reads them (its own type reaches Spectral's, which resolves loosely). */
interface Finding {
  readonly severity: DiagnosticSeverity;
  readonly path: readonly (string | number)[];
  readonly message: string;
}
const describeFindings = (diagnostics: readonly Finding[], severity: DiagnosticSeverity): string[] =>
  diagnostics.filter((d) => d.severity === severity).map((d) => `${d.path.join(".")}: ${d.message}`);

const committed = readFileSync(path.resolve(__dirname, "../../../docs/asyncapi.yaml"), "utf8");

describe("AsyncAPI 3.0 description (docs/asyncapi.yaml)", () => {
  it("is valid for the AsyncAPI parser, with no error", async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    // Warnings and hints are style advice (e.g. "3.1.0 exists"): printed, not failed on.
    const errors = describeFindings(diagnostics, DiagnosticSeverity.Error);
    expect(errors).toEqual([]);
    const warnings = describeFindings(diagnostics, DiagnosticSeverity.Warning);
    if (warnings.length > 0) console.warn(`AsyncAPI warnings:\n  ${warnings.join("\n  ")}`);
    expect(document).toBeDefined();
    // What a tool reading the document sees: every event type, and one receive operation per Event Grid subscription.
    expect(document!.allMessages().all().map((m) => m.name()).sort()).toEqual([...eventTypes].sort());
    const receives = document!.operations().filterByReceive().map((o) => o.id());
    expect(receives.sort()).toEqual(listSubscriptions(singleShardLayout).map((s) => s.name).sort());
    const placed = document!.allMessages().all().find((m) => m.name() === "Orders.OrderPlaced.v2")!;
    expect(placed.headers()?.properties()?.["correlationid"]).toBeDefined();
    expect(placed.payload()?.required()).toContain("orderId");
    expect(placed.correlationId()?.location()).toBe("$message.header#/correlationid");
  });

  it("rejects a document that breaks the spec, so the check above can fail", async () => {
    const broken = parse(committed) as { operations: Record<string, { channel: unknown }> };
    const first = Object.keys(broken.operations)[0]!;
    broken.operations[first]!.channel = { $ref: "#/channels/no-such-topic" };
    const { diagnostics } = await new Parser().parse(JSON.stringify(broken));
    expect(describeFindings(diagnostics, DiagnosticSeverity.Error).length).toBeGreaterThan(0);
  });

  it("is what the code generates (npm run gen:docs)", () => {
    expect(committed).toBe(renderAsyncApi());
  });
});
