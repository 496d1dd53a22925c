/**
 * The "Business flows" workbook as main.bicep would deploy it (`bicep snapshot`): on the Application Insights
 * component, with its three sections, every query item holding the text of its query file, and the flows its prelude
 * knows agreeing with src/flows.ts. That each query parses is kql.test.ts's job.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { flowNames, flows } from "#src/flows";
import { snapshotOfMain } from "./compiledMain";
import { ofType } from "./infraChecks";

const repoRoot = path.resolve(__dirname, "../..");
const queriesDir = path.join(repoRoot, "infra", "workbooks", "queries");
const queryFile = (name: string): string => readFileSync(path.join(queriesDir, name), "utf8");

interface WorkbookItem {
  readonly type: number;
  readonly name: string;
  readonly content: { readonly title?: string; readonly query?: string; readonly items?: WorkbookItem[]; readonly timeContextFromParameter?: string };
}

const snapshot = snapshotOfMain(repoRoot);
const workbooks = ofType(snapshot, "Microsoft.Insights/workbooks");
const [insights] = ofType(snapshot, "Microsoft.Insights/components");
const properties = (workbooks[0]?.properties ?? {}) as { category?: string; sourceId?: string; serializedData?: string; displayName?: string };
const serialized = JSON.parse(properties.serializedData ?? "{}") as { items?: WorkbookItem[]; fallbackResourceIds?: string[] };
const sections = (serialized.items ?? []).filter((i) => i.type === 12);
const queryItems = (items: readonly WorkbookItem[] = serialized.items ?? []): WorkbookItem[] =>
  items.flatMap((i) => (i.type === 3 ? [i] : i.type === 12 ? queryItems(i.content.items) : []));

describe("the Business flows workbook main.bicep deploys", () => {
  it("is one shared workbook in the Application Insights component's gallery, reading that component", () => {
    expect(workbooks).toHaveLength(1);
    expect(insights?.id).toMatch(/\/providers\/Microsoft\.Insights\/components\/appi-/);
    expect(workbooks[0]).toMatchObject({ kind: "shared", location: "westeurope" });
    expect(properties).toMatchObject({ category: "workbook", sourceId: insights?.id, displayName: "Business flows" });
    expect(serialized.fallbackResourceIds).toEqual([insights?.id]);
  });

  it("has the three sections: flows by status, stalled flows with what they wait for, per-edge hops and latency", () => {
    expect(sections.map((s) => [s.name, s.content.title])).toEqual([
      ["flows-by-status", "Flows by status"],
      ["stalled-flows", "Stalled flows"],
      ["edges", "Edges: event type → reaction"],
    ]);
    const [byStatus, stalled, edges] = sections.map((s) => queryItems(s.content.items).map((i) => i.content.query ?? ""));
    expect(byStatus).toEqual(expect.arrayContaining([expect.stringMatching(/flowStatuses\s*\| summarize flows = count\(\) by flow, status/)]));
    expect(stalled).toEqual(expect.arrayContaining([expect.stringMatching(/project warnedAt = timestamp, flow, correlationId, waitingFor/)]));
    expect(edges).toEqual(expect.arrayContaining([expect.stringMatching(/name == "choreography\.hop\.duration"[\s\S]*by eventType, reaction/)]));
  });

  it("puts each query file's text in its item (flow queries after the prelude), uses every file, and scopes all to the time range", () => {
    const files = readdirSync(queriesDir).filter((f) => f.endsWith(".kql") && f !== "flow-prelude.kql");
    const prelude = queryFile("flow-prelude.kql");
    const texts = queryItems().map((i) => i.content.query ?? "");
    const fileOf = (text: string): string | undefined => files.find((f) => text === queryFile(f) || text === prelude + queryFile(f));
    expect(texts.filter((t) => fileOf(t) === undefined)).toEqual([]);
    expect(files.filter((f) => !texts.some((t) => fileOf(t) === f))).toEqual([]);
    expect(texts.filter((t) => /\bflow(Statuses|Events|Outcomes)\b|stalledWarnings/.test(t.replace(prelude, "")) !== t.startsWith(prelude))).toEqual([]);
    expect(queryItems().map((i) => i.content.timeContextFromParameter)).toEqual(queryItems().map(() => "TimeRange"));
  });

  it("knows the flows of src/flows.ts: how each starts, its default deadline, and the outcomes that end it", () => {
    const prelude = queryFile("flow-prelude.kql");
    const rows = (table: string): string[][] => {
      const body = new RegExp(`let ${table} = datatable\\([^)]*\\) \\[([\\s\\S]*?)\\];`).exec(prelude)?.[1] ?? "";
      return [...body.matchAll(/^\s*(.+?),\s*$/gm)].map((m) => (m[1] ?? "").split(/,\s*/).map((v) => v.replace(/^"|"$/g, "")));
    };
    const minutes = (ms: number): string => `${ms / 60_000}m`;
    expect(rows("flowStarts")).toEqual(flowNames.map((f) => [f, flows[f].startedBy, minutes(flows[f].defaultDeadlineInMs)]));
    expect(rows("flowOutcomes")).toEqual(
      flowNames.flatMap((f) => [...flows[f].succeededWith.map((t) => [f, t, "completed"]), ...flows[f].failedWith.map((t) => [f, t, "failed"])]),
    );
  });
});
