/**
 * The "Business flows" workbook as main.bicep would deploy it (`bicep snapshot`): on the Application Insights
 * component, with its three sections, every query item holding the text of its query file, and the flows its prelude
 * knows agreeing with src/flows.ts. That each query parses is kql.test.ts's job.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { format } from "node:util";
import { FunctionHandler, InvocationContext } from "@azure/functions";
import { flowNames, flows } from "#src/flows";
import { registerServices } from "#src/platform/registerServices";
import { DocumentStore } from "#src/platform/store";
import { serviceModules } from "#src/services";
import { manifest } from "#src/topology";
import { stepOf } from "#src/services/journal/flowSteps";
import { addToSummary } from "#src/services/journal/flowSummary";
import { warnStalledFlowsOnce } from "#src/services/journal/stalledWarning";
import { anEvent, fixedNow } from "../support/events";
import { createInMemoryStore, recordingPublisher } from "../support/inMemoryStore";
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

/**
 * What the prelude's `let <name> = traces … | parse message with "…" column "…" column: type …` reads from `line`, as
 * Kusto's simple mode matches it (each column up to the next literal, the last to the end of the line); the column
 * `*` is matched and dropped. Empty when the line does not match.
 */
const parsedBy = (name: string, line: string): Record<string, string> => {
  const pattern = new RegExp(`let ${name} = traces[\\s\\S]*?\\| parse message with (.+?);?\\n`).exec(queryFile("flow-prelude.kql"))?.[1] ?? "";
  const parts = [...pattern.matchAll(/"([^"]*)"|(\w+|\*)(?::\s*\w+)?/g)];
  const source = parts.map(([, literal, column], i) => {
    if (literal !== undefined) return literal.replace(/[[\]().*+?^$|\\]/g, "\\$&");
    const rest = i === parts.length - 1 ? ".*" : ".*?";
    return column === "*" ? rest : `(?<${column}>${rest})`;
  });
  return { ...new RegExp(`^${source.join("")}$`).exec(line)?.groups };
};

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

  it("reads the journal's stalled warning as the journal writes it: the flow, its start, and what it waits for", async () => {
    const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "a@example.com", name: "A" }, { correlationid: "flow-7", time: fixedNow.toISOString() });
    const warnings: string[] = [];
    await warnStalledFlowsOnce([{ ...addToSummary(undefined, signedUp, 60)!, _etag: "e-1" }], {
      store: { commit: async () => undefined } as unknown as DocumentStore,
      flowIndex: { listFlowSteps: async () => [stepOf(signedUp)] },
      deadlines: { order: 1, onboarding: 1, topUp: 1 },
      now: new Date(fixedNow.getTime() + 60_000),
      warn: (line) => warnings.push(line),
    });
    expect(warnings).toHaveLength(1);
    const read = parsedBy("stalledWarnings", warnings[0] ?? "");
    expect(read).toMatchObject({ correlationId: "flow-7", flow: "onboarding", deadlineMs: "1", lastEventType: "Users.UserSignedUp.v1" });
    expect(new Date(read.startedAt ?? "").toISOString()).toBe(fixedNow.toISOString());
    expect(read.waitingFor).toContain("crm-addContactWhenUserSignedUp");
  });

  it("reads each reaction's [flow …] line as the runner writes it: the flow, the event's type and id", async () => {
    const handlers = new Map<string, FunctionHandler>();
    const record = (functionName: string, options: { handler: FunctionHandler }) => void handlers.set(functionName, options.handler);
    const runtime = (service: string) => ({ service, store: createInMemoryStore(), publisher: recordingPublisher(), ports: {}, clock: () => fixedNow, ids: { newId: () => "x" } }) as never;
    registerServices({ http: record, eventGrid: record, timer: record } as never, manifest, ["invoicing"], serviceModules, runtime);
    const lines: string[] = [];
    const paid = anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c", chargeId: "ch", amount: 9, currency: "EUR" }, { correlationid: "flow-8" });
    const context = new InvocationContext({ functionName: "invoicing-sendInvoiceWhenPaymentConfirmed", logHandler: (_level, ...args) => void lines.push(format(...args)) });
    await handlers.get("invoicing-sendInvoiceWhenPaymentConfirmed")?.(paid, context);

    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(parsedBy("flowEvents", line)).toEqual({ correlationId: "flow-8", eventType: "Payments.PaymentConfirmed.v1", eventId: paid.id });
  });
});
