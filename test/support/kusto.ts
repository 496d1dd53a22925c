/**
 * KQL checked with Microsoft's own Kusto parser and semantic analyzer (`@kusto/language-service-next`, the engine of the
 * Azure Data Explorer and Monitor query editors, compiled to JavaScript), against the tables Application Insights
 * queries read: a misspelt table, column or function, or a syntax error, is an error here as it would be in Azure.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the bridge defines the global `Kusto` when loaded */
require("@kusto/language-service-next/bridge.js");
require("@kusto/language-service-next/Kusto.Language.Bridge.js");
/* eslint-enable @typescript-eslint/no-require-imports */

interface KustoDiagnostic {
  readonly Severity: string;
  readonly Message: string;
  readonly Start: number;
}
interface KustoGlobals {
  WithCluster(cluster: unknown): KustoGlobals;
  WithDatabase(database: unknown): KustoGlobals;
}
interface KustoLanguage {
  readonly Symbols: {
    readonly TableSymbol: { readonly $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    readonly DatabaseSymbol: { readonly ctor: new (name: string, members: unknown[]) => unknown };
    readonly ClusterSymbol: { readonly ctor: new (name: string, databases: unknown[]) => unknown };
  };
  readonly GlobalState: { readonly Default: KustoGlobals };
  readonly KustoCode: {
    ParseAndAnalyze(text: string, globals: KustoGlobals): { GetDiagnostics(): { readonly Count: number; getItem(i: number): KustoDiagnostic } };
  };
}
const kusto = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;

/** Columns every Application Insights table has (learn.microsoft.com/azure/azure-monitor/app/data-model-complete). */
const COMMON =
  "timestamp:datetime, itemType:string, itemId:string, itemCount:int, operation_Id:string, operation_ParentId:string, " +
  "operation_Name:string, session_Id:string, user_Id:string, cloud_RoleName:string, cloud_RoleInstance:string, " +
  "appName:string, appId:string, iKey:string, sdkVersion:string, customDimensions:dynamic";

/** The Application Insights tables the project's queries read, each with its own columns besides the common ones. */
const APPLICATION_INSIGHTS_TABLES: Readonly<Record<string, string>> = {
  requests: "id:string, name:string, url:string, source:string, success:bool, resultCode:string, duration:real, performanceBucket:string, customMeasurements:dynamic",
  dependencies: "id:string, target:string, type:string, name:string, data:string, success:bool, resultCode:string, duration:real, performanceBucket:string, customMeasurements:dynamic",
  traces: "message:string, severityLevel:int, customMeasurements:dynamic",
  exceptions: "problemId:string, type:string, assembly:string, method:string, outerType:string, outerMessage:string, innermostType:string, innermostMessage:string, message:string, severityLevel:int, details:dynamic, customMeasurements:dynamic",
  customEvents: "name:string, customMeasurements:dynamic",
  customMetrics: "name:string, value:real, valueCount:int, valueSum:real, valueMin:real, valueMax:real, valueStdDev:real",
};

const applicationInsights = (() => {
  const tables = Object.entries(APPLICATION_INSIGHTS_TABLES).map(([name, columns]) => new kusto.Symbols.TableSymbol.$ctor7(name, `(${COMMON}, ${columns})`, null));
  const database = new kusto.Symbols.DatabaseSymbol.ctor("applicationinsights", tables);
  return kusto.GlobalState.Default.WithCluster(new kusto.Symbols.ClusterSymbol.ctor("applicationinsights", [database])).WithDatabase(database);
})();

/** Every error the parser and analyzer find in `query`, as `position: message`; none for a query Azure would run. */
export const kqlErrors = (query: string): string[] => {
  const diagnostics = kusto.KustoCode.ParseAndAnalyze(query, applicationInsights).GetDiagnostics();
  const errors: string[] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    if (d.Severity === "Error") errors.push(`${d.Start}: ${d.Message}`);
  }
  return errors;
};
