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
  data: { resourceSpans: { resource?: { attributes?: OtlpSpan["attributes"] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
}
/** A span and the `service.name` of the resource it was exported under. */
type ServiceSpan = OtlpSpan & { service: string | undefined };

interface OtlpLogsBody {
  data: { resourceLogs: { resource?: { attributes?: OtlpSpan["attributes"] }; scopeLogs: { logRecords: { traceId?: string; body?: { stringValue?: string } }[] }[] }[] };
}
const logRecordsOf = (body: OtlpLogsBody) =>
  body.data.resourceLogs.flatMap((r) => {
    const service = r.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue;
    return r.scopeLogs.flatMap((s) => s.logRecords.map((l) => ({ traceId: l.traceId, body: l.body?.stringValue ?? "", service })));
  });

const spansOf = (body: OtlpBody): ServiceSpan[] =>
  body.data.resourceSpans.flatMap((r) => {
    const service = r.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue;
    return r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, service })));
  });
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

    // Spans arrive in batches: wait until the journal's spans of the last events are in, and the trace has stopped
    // growing between two polls (the page below must show the same trace the API gave).
    let lastCount = -1;
    const traceSpans = await waitFor(async () => {
      const flowSpans = spansOf((await getJson(`${aspire.url}/api/telemetry/spans?limit=10000`)).body as OtlpBody).filter(
        (s) => attribute(s, "choreography.correlation_id") === correlationId,
      );
      const traceIds = [...new Set(flowSpans.map((s) => s.traceId))];
      if (traceIds.length !== 1) return traceIds.length > 1 ? { traceIds, spans: [] as ServiceSpan[] } : undefined;
      const trace = spansOf((await getJson(`${aspire.url}/api/telemetry/traces/${traceIds[0]}`)).body as OtlpBody);
      const count = (service: string) => trace.filter((s) => s.service === service).length;
      const settled = trace.length === lastCount;
      lastCount = trace.length;
      return settled && count("journal") >= 5 && count("eventgrid-emulator") >= 5 ? { traceIds, spans: trace } : undefined;
    }, { description: "the flow's spans in the Aspire Dashboard", timeoutInMs: 30_000, intervalInMs: 1_500 });

    expect(traceSpans.traceIds).toHaveLength(1);
    // Each service its own resource, though one local host runs them all, and Event Grid's hops their own.
    const services = new Set(traceSpans.spans.map((s) => s.service));
    expect([...services]).toEqual(expect.arrayContaining(["orders", "inventory", "payments", "invoicing", "journal", "eventgrid-emulator"]));
    // The HTTP command is the root; every reaction and every delivery hangs under a span of the same trace.
    const ids = new Set(traceSpans.spans.map((s) => s.spanId));
    const hops = traceSpans.spans.filter((s) => attribute(s, "choreography.correlation_id") === correlationId);
    expect(hops.every((s) => s.parentSpanId !== undefined && ids.has(s.parentSpanId))).toBe(true);
    expect(traceSpans.spans.some((s) => s.name === "orders-placeOrder" && s.service === "orders")).toBe(true);
    expect(traceSpans.spans).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "process Orders.OrderPlaced.v2", service: "inventory" }),
        expect.objectContaining({ name: "deliver Orders.OrderPlaced.v2 to inventory-reserveStockWhenOrderPlaced", service: "eventgrid-emulator" }),
      ]),
    );
    const reaction = traceSpans.spans.find((s) => s.name === "process Orders.OrderPlaced.v2" && s.service === "inventory")!;
    expect(attribute(reaction, "choreography.outcome")).toBe("handled");

    // A context.log line of a reaction reaches the viewer as a log record in the flow's trace, under its service.
    const logs = await waitFor(async () => {
      const body = (await getJson(`${aspire.url}/api/telemetry/logs?traceId=${traceSpans.traceIds[0]}&limit=1000`)).body as OtlpLogsBody;
      const records = logRecordsOf(body).filter((r) => r.traceId === traceSpans.traceIds[0] && r.body.includes(`[flow ${correlationId}]`));
      return records.some((r) => r.service === "inventory") ? records : undefined;
    }, { description: "the flow's log records in the Aspire Dashboard", timeoutInMs: 30_000, intervalInMs: 500 });
    expect(logs.find((r) => r.service === "inventory")?.body).toContain("handled");

    // What a person sees: the trace in the viewer's own UI, saved for the record. The viewer titles a row itself
    // (a consumer span "MSG <system> <operation> <destination>"), so the rows are read from the page, not the API.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 2400 } });
      await page.goto(`${aspire.url}/traces/detail/${traceSpans.traceIds[0]}`);
      // Wait for the span grid itself: the page's header names the trace ("orders-placeOrder") before the grid has
      // rendered its rows, so waiting for that text alone can read an empty grid.
      await page.locator(".span-name-container", { hasText: "orders-placeOrder" }).first().waitFor({ timeout: 30_000 });
      await waitFor(async () => ((await page.locator(".span-name-container").count()) >= traceSpans.spans.length ? true : undefined), {
        description: "the trace page's rows",
        timeoutInMs: 30_000,
        intervalInMs: 250,
      });
      const rows = await page.$$eval(".span-name-container", (names) =>
        names.map((name) => {
          const row = name.closest("[role='row'], tr") ?? name.parentElement?.parentElement;
          return { title: name.textContent?.replace(/\s+/g, " ").trim() ?? "", resource: row?.querySelector(".resource-name")?.textContent?.trim() ?? "" };
        }),
      );
      mkdirSync(path.join(repoRoot, ".artifacts", "screenshots"), { recursive: true });
      await page.screenshot({ path: path.join(repoRoot, ".artifacts", "screenshots", "aspire-order-trace.png"), fullPage: true });

      expect(rows.length).toBe(traceSpans.spans.length);
      expect(new Set(rows.map((r) => r.resource)).size).toBeGreaterThanOrEqual(5);
      // No two hops look alike: each row, as shown (its resource and its title), is a different step of the flow.
      const shown = rows.map((r) => `${r.resource}: ${r.title}`);
      expect(shown.filter((row, i) => shown.indexOf(row) !== i)).toEqual([]);
      expect(shown).toEqual(expect.arrayContaining(["inventory: MSG eventgrid process Orders.OrderPlaced.v2", "eventgrid-emulator: deliver Orders.OrderPlaced.v2 to inventory-reserveStockWhenOrderPlaced"]));
    } finally {
      await browser.close();
    }
  }, 90_000);
});
