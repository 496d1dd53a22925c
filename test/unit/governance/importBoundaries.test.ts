import { execFileSync } from "node:child_process";
import path from "node:path";

const repoRoot = path.resolve(__dirname, "../../..");

/** What eslint.config.mjs says about a file at `filePath` that imports `from`. */
const boundaryFindings = (cases: readonly (readonly [filePath: string, from: string])[]): string[][] =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        path.join(__dirname, "importBoundaryProbe.mjs"),
        JSON.stringify(cases.map(([filePath, from]) => ({ filePath, code: `import { x } from "${from}";\nexport const y = x;\n` }))),
      ],
      { cwd: repoRoot, encoding: "utf8" },
    ),
  ) as string[][];

describe("import boundaries (eslint.config.mjs, run by npm run lint)", () => {
  const cases = [
    ["src/services/orders/probe.ts", "../payments/documents", /imports no other service/],
    ["src/services/orders/probe.ts", "../../services", /imports only platform, events, topology, flows/],
    ["src/services/orders/probe.ts", "../../../dev/stack", /imports only platform, events, topology, flows/],
    ["src/services/orders/probe.ts", "@azure-choreography/cosmos-server", /never imports the local stack/],
    ["src/platform/probe.ts", "../services/orders", /platform serves every service and imports none/],
    ["src/platform/probe.ts", "../../dev/stack", /never imports the local stack/],
    ["src/platform/probe.ts", "../../scripts/chaos/runChaos", /never imports the local stack/],
    ["src/platform/email/probe.ts", "../../services/email/welcomeEmail", /platform serves every service and imports none/],
    ["src/platform/email/probe.ts", "../../../dev/stack", /never imports the local stack/],
    ["src/probe.ts", "../dev/stack", /never imports the local stack/],
    ["src/probe.ts", "@azure-choreography/functions-host", /never imports the local stack/],
    ["src/events/probe.ts", "../../packages/eventgrid-emulator/src", /never imports the local stack/],
    ["src/services/orders/probe.ts", "./documents", undefined],
    ["src/services/orders/probe.ts", "../../platform/reactions", undefined],
    ["src/services/orders/probe.ts", "../../events/catalog", undefined],
    ["src/services/orders/probe.ts", "../../topology", undefined],
    ["src/services/orders/probe.ts", "../../flows", undefined],
    ["src/services/notifications/probe.ts", "../../platform/email/emailSender", undefined],
    ["src/services/journal/dashboard/probe.ts", "../../orders/documents", /imports no other service/],
    ["src/services/journal/dashboard/probe.ts", "../../../../dev/stack", /imports only platform, events, topology, flows/],
    ["src/services/journal/dashboard/probe.ts", "../documents", undefined],
    ["src/services/journal/dashboard/probe.ts", "../../../platform/http", undefined],
    ["src/services/journal/dashboard/probe.ts", "../../../flows", undefined],
    ["src/services/probe.ts", "./orders", undefined],
    ["dev/probe.ts", "./stack", undefined],
    ["dev/probe.ts", "../src/topology", undefined],
    ["packages/cosmos-server/src/probe.ts", "./cosmosServer", undefined],
    ["packages/cosmos-server/src/probe.ts", "@azure-choreography/server-kit", undefined],
    ["packages/cosmos-server/src/probe.ts", "../../../src/topology", /imports nothing outside itself/],
    ["packages/functions-host/src/probe.ts", "../../../dev/stack", /imports nothing outside itself/],
  ] as const;

  it("refuses what crosses a boundary and allows the rest", () => {
    const findings = boundaryFindings(cases.map(([file, from]) => [file, from] as const));
    cases.forEach(([file, from, expected], i) => {
      const seen = { file, from, findings: findings[i] };
      if (expected === undefined) expect(seen).toEqual({ file, from, findings: [] });
      else expect(seen).toEqual({ file, from, findings: [expect.stringMatching(expected)] });
    });
  });
});
