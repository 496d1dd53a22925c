import { readFileSync } from "node:fs";
import path from "node:path";
import { kqlErrors } from "../support/kusto";
import { requireBicep, runBicep } from "./bicepCli";

const repoRoot = path.resolve(__dirname, "../..");

/** Every `query` property in the compiled template, its nested deployments and workbooks' serialized JSON included. */
const queriesIn = (value: unknown, where: string, found: { where: string; query: string }[] = []): { where: string; query: string }[] => {
  if (Array.isArray(value)) value.forEach((v, i) => queriesIn(v, `${where}[${i}]`, found));
  else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === "query" && typeof v === "string") found.push({ where: `${where}.query`, query: v });
      else if (key === "serializedData" && typeof v === "string" && !v.startsWith("[")) queriesIn(JSON.parse(v), `${where}.serializedData`, found);
      else queriesIn(v, `${where}.${key}`, found);
    }
  }
  return found;
};

/** The ```kql blocks of a Markdown page: the queries its readers paste into Application Insights. */
const kqlBlocks = (file: string): { where: string; query: string }[] =>
  [...readFileSync(path.join(repoRoot, file), "utf8").matchAll(/```kql\n([\s\S]*?)```/g)].map((m, i) => ({ where: `${file} kql block ${i + 1}`, query: m[1] ?? "" }));

describe("KQL in the templates and the docs, checked by Microsoft's Kusto parser against Application Insights' tables", () => {
  const cli = requireBicep(repoRoot);
  const compiled = JSON.parse(runBicep(cli, ["build", "infra/main.bicep", "--stdout"], repoRoot).stdout) as unknown;
  const fromTemplates = queriesIn(compiled, "main.bicep");
  const fromDocs = ["infra/README.md", "docs/operating.md", "docs/deploying.md"].flatMap(kqlBlocks);

  it("finds the queries (the stalled-flows alert at least)", () => {
    expect(fromTemplates.map((q) => q.query)).toEqual(expect.arrayContaining([expect.stringContaining("choreography.flows.stalled")]));
  });

  it.each([...fromTemplates, ...fromDocs].map((q) => [q.where, q.query] as const))("%s parses and refers only to what exists", (_where, query) => {
    expect(kqlErrors(query)).toEqual([]);
  });

  it("would catch a misspelt column, an unknown table and a syntax error", () => {
    expect(kqlErrors('customMetrics | where nam == "x"')).toEqual([expect.stringMatching(/'nam' does not refer to any known column/)]);
    expect(kqlErrors("customMetric | count")).toEqual([expect.stringMatching(/'customMetric' does not refer to any known table/)]);
    expect(kqlErrors("traces | where")).toEqual([expect.stringMatching(/Missing expression/)]);
  });
});
