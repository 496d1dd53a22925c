import { readFileSync } from "node:fs";
import path from "node:path";
import { kqlErrors } from "../support/kusto";
import { snapshotOfMain } from "./compiledMain";

const repoRoot = path.resolve(__dirname, "../..");

interface FoundQuery {
  readonly where: string;
  readonly query: string;
}

/**
 * Every `query` property of what main.bicep deploys, the workbook's serialized JSON included, named by where it is
 * (each object by its `name`). Read from the snapshot: ARM has built the workbook's serializedData there.
 */
const queriesIn = (value: unknown, where: string, found: FoundQuery[] = []): FoundQuery[] => {
  if (Array.isArray(value)) value.forEach((v) => queriesIn(v, where, found));
  else if (typeof value === "object" && value !== null) {
    const { name, type } = value as { name?: unknown; type?: unknown };
    const here = typeof name !== "string" ? where : typeof type === "string" && type.includes("/") ? `${where} ${type} ${name}` : `${where} ${name}`;
    for (const [key, v] of Object.entries(value)) {
      if (key === "query" && typeof v === "string") found.push({ where: here, query: v });
      else if (key === "serializedData" && typeof v === "string") queriesIn(JSON.parse(v), here, found);
      else queriesIn(v, here, found);
    }
  }
  return found;
};

/** The ```kql blocks of a Markdown page: the queries its readers paste into Application Insights. */
const kqlBlocks = (file: string): FoundQuery[] =>
  [...readFileSync(path.join(repoRoot, file), "utf8").matchAll(/```kql\n([\s\S]*?)```/g)].map((m, i) => ({ where: `${file} kql block ${i + 1}`, query: m[1] ?? "" }));

describe("KQL in the templates and the docs, checked by Microsoft's Kusto parser against Application Insights' tables", () => {
  const fromTemplates = queriesIn(snapshotOfMain(repoRoot).predictedResources, "main.bicep:");
  const fromDocs = ["infra/README.md", "docs/operating.md", "docs/deploying.md"].flatMap(kqlBlocks);
  const workbookQuery = (name: string): string => fromTemplates.find((q) => q.where.endsWith(` ${name}`))?.query ?? "";

  it("finds the queries: the stalled-flows alert's, the workbook's, and the README's flow end to end", () => {
    expect(fromTemplates.map((q) => q.query)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("choreography.flows.stalled"),
        expect.stringContaining("choreography.hop.duration"),
        expect.stringContaining("flowStatuses"),
      ]),
    );
    expect(workbookQuery("edges-table")).toContain("valueSum");
    expect(fromDocs.map((q) => q.query)).toEqual(expect.arrayContaining([expect.stringContaining("let correlationId")]));
  });

  it.each([...fromTemplates, ...fromDocs].map((q) => [q.where, q.query] as const))("%s parses and refers only to what exists", (_where, query) => {
    expect(kqlErrors(query)).toEqual([]);
  });

  it("would catch a misspelt column, an unknown table and a syntax error", () => {
    expect(kqlErrors('customMetrics | where nam == "x"')).toEqual([expect.stringMatching(/'nam' does not refer to any known column/)]);
    expect(kqlErrors("customMetric | count")).toEqual([expect.stringMatching(/'customMetric' does not refer to any known table/)]);
    expect(kqlErrors("traces | where")).toEqual([expect.stringMatching(/Missing expression/)]);
  });

  it("would catch a workbook query that misspells a customMetrics column or a column its prelude defines", () => {
    expect(kqlErrors(workbookQuery("edges-table").replace(/valueSum/g, "valueSun"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/'valueSun' does not refer to any known column/)]),
    );
    expect(kqlErrors(workbookQuery("stalled-flows-list").replace("project warnedAt = timestamp, flow, correlationId, waitingFor", "project warnedAt = timestamp, flow, correlationId, waitingOn"))).toEqual([
      expect.stringMatching(/'waitingOn' does not refer to any known column/),
    ]);
  });
});
