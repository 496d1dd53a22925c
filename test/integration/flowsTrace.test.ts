import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { AspireDashboard, findAspireDashboard, startAspireDashboard } from "#dev/aspireDashboard";
import { getJson, registerCard, repoRoot, sendJson, startLocalStackForTests, TestStack, waitFor } from "./support/localStack";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpBody {
  data: { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
}

const spansOf = (body: OtlpBody): OtlpSpan[] => body.data.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const attribute = (span: OtlpSpan, key: string) => span.attributes?.find((a) => a.key === key)?.value.stringValue;

/** One order, one trace: every host exports OTLP to the Aspire Dashboard, read back through its telemetry API. */
describe("one trace per flow in the Aspire Dashboard", () => {
  let aspire: AspireDashboard;
  let stack: TestStack;

  beforeAll(async () => {
    // Restored like the Bicep CLI: from NuGet with dotnet, into .tools/ (git-ignored). Missing here fails, never skips.
    if (!findAspireDashboard(repoRoot)) spawnSync("bash", [path.join(repoRoot, "scripts/install-aspire.sh")], { stdio: "inherit" });
    const binary = findAspireDashboard(repoRoot);
    if (!binary) throw new Error("The Aspire Dashboard is not restored and scripts/install-aspire.sh could not restore it (is dotnet installed?)");
    aspire = await startAspireDashboard({ binary });
    stack = await startLocalStackForTests({ appSettings: { OTEL_EXPORTER_OTLP_ENDPOINT: aspire.otlpHttpUrl } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await aspire?.stop();
  });

  it("shows a confirmed order as one trace with spans of orders, inventory, payments, invoicing and journal", async () => {
    const sku = `SKU-TRACE-${Date.now().toString(36)}`;
    expect((await sendJson("PUT", `${stack.apiUrl}/inventory/${sku}`, { available: 2 })).status).toBe(200);
    const placed = await sendJson("POST", `${stack.apiUrl}/orders`, { customerId: "cust-trace", items: [{ sku, quantity: 1, unitPrice: 3 }], currency: "EUR", paymentMethodId: await registerCard(stack.apiUrl, "cust-trace") });
    expect(placed.status).toBe(202);
    const correlationId = placed.body.correlationId as string;
    await waitFor(async () => ((await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body?.events?.length >= 5 ? true : undefined), {
      description: "the whole order flow journaled",
      timeoutInMs: 30_000,
    });

    // Spans arrive in batches; wait until the journal's span of the last event has been exported too.
    const traceSpans = await waitFor(async () => {
      const flowSpans = spansOf((await getJson(`${aspire.url}/api/telemetry/spans?limit=10000`)).body as OtlpBody).filter(
        (s) => attribute(s, "choreography.correlation_id") === correlationId,
      );
      const traceIds = [...new Set(flowSpans.map((s) => s.traceId))];
      if (traceIds.length !== 1) return traceIds.length > 1 ? { traceIds, spans: [] as OtlpSpan[] } : undefined;
      const trace = spansOf((await getJson(`${aspire.url}/api/telemetry/traces/${traceIds[0]}`)).body as OtlpBody);
      return trace.filter((s) => s.name.startsWith("journal-")).length >= 5 ? { traceIds, spans: trace } : undefined;
    }, { description: "the flow's spans in the Aspire Dashboard", timeoutInMs: 30_000, intervalInMs: 500 });

    expect(traceSpans.traceIds).toHaveLength(1);
    const services = new Set(traceSpans.spans.map((s) => s.name.split("-")[0]));
    expect([...services]).toEqual(expect.arrayContaining(["orders", "inventory", "payments", "invoicing", "journal"]));
    // The HTTP command is the root; every reaction hangs under a span of the same trace.
    const ids = new Set(traceSpans.spans.map((s) => s.spanId));
    const reactions = traceSpans.spans.filter((s) => attribute(s, "choreography.correlation_id") === correlationId);
    expect(reactions.every((s) => s.parentSpanId !== undefined && ids.has(s.parentSpanId))).toBe(true);
    expect(traceSpans.spans.some((s) => s.name === "orders-placeOrder")).toBe(true);

    // What a person sees: the trace in the viewer's own UI, saved for the record.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
      await page.goto(`${aspire.url}/traces/detail/${traceSpans.traceIds[0]}`);
      // The viewer titles consumer spans by their messaging system ("MSG eventgrid"); the HTTP root keeps its name.
      await page.getByText("orders-placeOrder").first().waitFor({ timeout: 30_000 });
      mkdirSync(path.join(repoRoot, ".artifacts", "screenshots"), { recursive: true });
      await page.screenshot({ path: path.join(repoRoot, ".artifacts", "screenshots", "aspire-order-trace.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 90_000);
});
