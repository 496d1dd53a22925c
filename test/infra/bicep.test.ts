/**
 * The real Bicep CLI builds and lints every template, then `bicep snapshot` (ARM's template engine, offline) expands
 * the compiled main.json and subscriptions.json so the tests read what would be deployed, not the source text.
 * All CLI calls happen once in beforeAll (each takes 1-3 s); the tests share the results.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buildInfraTopology, findRepoRoot } from "../../scripts/gen-infra";
import { listSubscriptions, serviceNames, services, topicsPublishedBy } from "../../src/topology";
import { topicNames } from "../../src/events/catalog";
import {
  BicepCli,
  Diagnostic,
  Snapshot,
  parseDiagnostics,
  requireBicep,
  runBicep,
  snapshotTemplate,
} from "./bicepCli";
import {
  DeployedNames,
  ROLE,
  appSettingsOf,
  at,
  deployedNames,
  ofType,
  principalOf,
  roleOf,
  scopeOf,
  senderProblems,
  senderTopicsByService,
  subscriptionProblems,
} from "./infraChecks";

const root = findRepoRoot(__dirname);
const scope = {
  subscriptionId: "00000000-0000-0000-0000-0000000000aa",
  resourceGroup: "rg-infra-test",
  location: "westeurope",
};
const abbrs = JSON.parse(readFileSync(join(root, "infra", "abbreviations.json"), "utf8")) as Record<string, string>;
const serviceSettings = {
  payments: {
    PAYMENT_GATEWAY_URL: "https://gateway.example/api",
    PAYMENT_GATEWAY__key: "must-not-deploy",
    SERVICES: "orders",
  },
};

type Template = Record<string, unknown>;

let cli: BicepCli;
let work: string;
let bicepFiles: string[];
let buildDiagnostics: Diagnostic[];
let buildStatus: number | null;
let lintDiagnostics: Diagnostic[];
let probeDiagnostics: Diagnostic[];
let compiled: Record<string, Template>;
let main: Snapshot;
let subs: Snapshot;
let names: DeployedNames;
let subsWithoutOne: Snapshot;
let mainWithExtraPublish: Snapshot;

const listBicepFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listBicepFiles(join(dir, e.name)) : e.name.endsWith(".bicep") ? [join(dir, e.name)] : [],
  );

/** The generated topology as the compiler embedded it (the variable `loadJsonContent` became). */
const embeddedTopology = (template: Template): Record<string, unknown> => {
  const vars = (template.variables ?? {}) as Record<string, unknown>;
  const found = Object.values(vars).filter((v) => v !== null && typeof v === "object" && "generatedBy" in v);
  if (found.length !== 1) throw new Error(`expected one embedded topology variable, found ${found.length}`);
  return found[0] as Record<string, unknown>;
};

const writeMutated = (name: string, template: Template, mutate: (topology: Record<string, unknown>) => void): string => {
  const copy = JSON.parse(JSON.stringify(template)) as Template;
  mutate(embeddedTopology(copy));
  const dir = join(work, name);
  mkdirSync(dir);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(copy));
  return path;
};

/** Services that publish, with their topics: what the sender grants must equal. */
const publishedTopicsByService = (): Record<string, string[]> =>
  Object.fromEntries(serviceNames.flatMap((s) => (topicsPublishedBy(s).length > 0 ? [[s, topicsPublishedBy(s)]] : [])));

const fmt = (d: readonly Diagnostic[]): string =>
  d.map((x) => `${x.file}:${x.line} ${x.level} ${x.code}: ${x.message}`).join("\n");

beforeAll(() => {
  cli = requireBicep(root);
  work = mkdtempSync(join(tmpdir(), "infra-test-"));
  bicepFiles = listBicepFiles(join(root, "infra")).map((f) => relative(join(root, "infra"), f));

  const out = join(work, "out");
  const build = runBicep(cli, ["build", "--pattern", "infra/**/*.bicep", "--outdir", out], root);
  buildStatus = build.status;
  buildDiagnostics = parseDiagnostics(`${build.stdout}\n${build.stderr}`);
  const lint = runBicep(cli, ["lint", "--pattern", "infra/**/*.bicep"], root);
  lintDiagnostics = parseDiagnostics(`${lint.stdout}\n${lint.stderr}`);

  // Proof that the lint test can fail: the repository's config flags a deliberately bad file.
  const probe = join(work, "probe.bicep");
  const probeSource = [
    "var unusedOnPurpose = 1",
    "resource st 'Microsoft.Storage/storageAccounts@2021-04-01' existing = {",
    "  name: 'stprobe'",
    "}",
    "output id string = st.id",
  ];
  writeFileSync(probe, `${probeSource.join("\n")}\n`);
  const probed = runBicep(cli, ["lint", probe, "--config", join(root, "bicepconfig.json")], work);
  probeDiagnostics = parseDiagnostics(`${probed.stdout}\n${probed.stderr}`);

  compiled = Object.fromEntries(
    bicepFiles
      .map((f) => f.replace(/\.bicep$/, ".json"))
      .filter((f) => existsSync(join(out, f)))
      .map((f) => [f, JSON.parse(readFileSync(join(out, f), "utf8")) as Template]),
  );
  const mainJson = join(out, "main.json");
  const subsJson = join(out, "subscriptions.json");
  main = snapshotTemplate(cli, mainJson, { environmentName: "infra-test", serviceSettings }, scope);
  subs = snapshotTemplate(cli, subsJson, { environmentName: "infra-test" }, scope);
  names = deployedNames(main, abbrs.eventGridTopics ?? "", topicNames);

  const dropped = writeMutated("subs-without-one", compiled["subscriptions.json"] ?? {}, (t) => {
    (t.subscriptions as unknown[]).splice(0, 1);
  });
  subsWithoutOne = snapshotTemplate(cli, dropped, { environmentName: "infra-test" }, scope);
  const extra = writeMutated("main-extra-publish", compiled["main.json"] ?? {}, (t) => {
    const journal = (t.services as { name: string; publishesTo: string[] }[]).find((s) => s.name === "journal");
    if (journal) journal.publishesTo = ["users"];
  });
  mainWithExtraPublish = snapshotTemplate(cli, extra, { environmentName: "infra-test" }, scope);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`bicep build and lint`, () => {
  it("builds every template without an error or a warning", () => {
    expect(bicepFiles).toEqual(expect.arrayContaining(["main.bicep", "subscriptions.bicep", "modules/rbac.bicep"]));
    expect(fmt(buildDiagnostics.filter((d) => d.level !== "Info"))).toBe("");
    expect(buildStatus).toBe(0);
    expect(Object.keys(compiled).sort()).toEqual(bicepFiles.map((f) => f.replace(/\.bicep$/, ".json")).sort());
  });

  it(`lints every template with 0 errors and 0 warnings (Bicep CLI: see cli.version)`, () => {
    expect({ cli: cli.version, findings: fmt(lintDiagnostics.filter((d) => d.level !== "Info")) }).toEqual({
      cli: cli.version,
      findings: "",
    });
  });

  it("uses a linter configuration that reports findings (the probe file fails it)", () => {
    const codes = probeDiagnostics.filter((d) => d.level !== "Info").map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(["no-unused-vars", "use-recent-api-versions"]));
  });
});

describe("the generated manifest in the compiled templates", () => {
  it("embeds in main.json and subscriptions.json exactly what gen-infra produces from src/topology.ts now", () => {
    const current = JSON.parse(JSON.stringify(buildInfraTopology())) as unknown;
    expect(embeddedTopology(compiled["main.json"] ?? {})).toEqual(current);
    expect(embeddedTopology(compiled["subscriptions.json"] ?? {})).toEqual(current);
  });

  it("sets only parameters main.bicep declares in main.parameters.json (azd reads it)", () => {
    const file = JSON.parse(readFileSync(join(root, "infra", "main.parameters.json"), "utf8")) as { parameters: object };
    const declared = Object.keys((compiled["main.json"]?.parameters ?? {}) as object);
    expect(declared).toEqual(expect.arrayContaining(Object.keys(file.parameters)));
    expect(Object.keys(file.parameters)).toContain("environmentName");
  });

  it("namespaces every call to an imported naming function (a bare call fails at deployment)", () => {
    const text = JSON.stringify(compiled);
    const namespaces = compiled["naming.json"]?.functions as { members: object }[] | undefined;
    const naming = Object.keys(namespaces?.[0]?.members ?? {});
    expect(naming).toContain("functionAppName");
    const bare = naming.filter((fn) => new RegExp(`(?<![.\\w])${fn}\\(`).test(text));
    expect(bare).toEqual([]);
  });
});

describe("what main.bicep deploys", () => {
  it("deploys one Flex Consumption Function App per service, whose SERVICES setting is that service", () => {
    const sites = ofType(main, "Microsoft.Web/sites");
    const byService = sites.map((s) => appSettingsOf(s).SERVICES).sort();
    expect(byService).toEqual([...serviceNames].sort());
    for (const site of sites) {
      const service = String(appSettingsOf(site).SERVICES);
      expect(site.name).toBe(names.appByService[service]);
      expect(site.tags?.["azd-service-name"]).toBe(service);
      expect(site.kind).toBe("functionapp,linux");
      expect(site.identity?.type).toBe("SystemAssigned");
      expect(at(site, "properties.functionAppConfig.runtime")).toEqual({ name: "node", version: "22" });
      const deployment = at(site, "properties.functionAppConfig.deployment.storage.authentication.type");
      expect(deployment).toBe("SystemAssignedIdentity");
      const planId = String(at(site, "properties.serverFarmId"));
      const plan = ofType(main, "Microsoft.Web/serverfarms").find((p) => planId.endsWith(`/${p.name}`));
      expect(plan?.sku).toEqual({ name: "FC1", tier: "FlexConsumption" });
    }
    expect(ofType(main, "Microsoft.Web/serverfarms")).toHaveLength(serviceNames.length);
  });

  it("gives each app identity-based settings and an endpoint setting for exactly the topics it publishes to", () => {
    for (const site of ofType(main, "Microsoft.Web/sites")) {
      const settings = appSettingsOf(site);
      const service = String(settings.SERVICES) as (typeof serviceNames)[number];
      const topicSettings = Object.keys(settings).filter((k) => k.startsWith("EVENTGRID_")).sort();
      const setting = (t: string): string => `EVENTGRID_${t.toUpperCase()}__topicEndpointUri`;
      expect(topicSettings).toEqual(topicsPublishedBy(service).map(setting).sort());
      for (const t of topicsPublishedBy(service)) {
        expect(settings[setting(t)]).toContain(`/Microsoft.EventGrid/topics/${names.topicResourceByTopic[t]}'`);
      }
      expect(settings.COSMOS__accountEndpoint).toMatch(/Microsoft\.DocumentDB\/databaseAccounts\/.*\)\.documentEndpoint\]$/);
      expect(settings.COSMOS_DATABASE_NAME).toBe("choreography");
      expect(settings.AzureWebJobsStorage__accountName).toBe(main.outputs.STORAGE_ACCOUNT_NAME);
      expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe("Authorization=AAD");
    }
  });

  it("merges serviceSettings into that service's app only, without keys and without overriding SERVICES", () => {
    const settings = ofType(main, "Microsoft.Web/sites").map(appSettingsOf);
    const payments = settings.find((s) => s.SERVICES === "payments");
    expect(payments?.PAYMENT_GATEWAY_URL).toBe("https://gateway.example/api");
    expect(payments).not.toHaveProperty("PAYMENT_GATEWAY__key");
    expect(settings.filter((s) => "PAYMENT_GATEWAY_URL" in s)).toHaveLength(1);
  });

  it("grants EventGrid Data Sender to each service on exactly the topics it publishes to", () => {
    const publishes = publishedTopicsByService();
    expect(senderProblems(senderTopicsByService(main, names), publishes)).toEqual([]);
  });

  it("grants Cosmos DB Built-in Data Contributor to each app on its own container only", () => {
    const assignments = ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");
    const serviceByApp = Object.fromEntries(Object.entries(names.appByService).map(([s, a]) => [a, s]));
    const granted = assignments.map((a) => {
      const service = serviceByApp[principalOf(a)?.name ?? ""] as (typeof serviceNames)[number] | undefined;
      return { service, role: at(a, "properties.roleDefinitionId"), scope: at(a, "properties.scope") };
    });
    expect(granted.map((g) => g.service).sort()).toEqual([...serviceNames].sort());
    for (const g of granted) {
      expect(String(g.role)).toMatch(new RegExp(`/sqlRoleDefinitions/${ROLE.cosmosDataContributor}$`));
      expect(String(g.scope)).toMatch(new RegExp(`/dbs/choreography/colls/${services[g.service ?? "orders"].container}$`));
    }
  });

  it("creates one Cosmos container per service, partitioned on /pk, with per-item TTL enabled", () => {
    const containers = ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");
    const created = containers.map((c) => c.name.split("/").pop()).sort();
    expect(created).toEqual(serviceNames.map((s) => services[s].container).sort());
    for (const c of containers) {
      expect(at(c, "properties.resource.partitionKey.paths")).toEqual(["/pk"]);
      expect(at(c, "properties.resource.defaultTtl")).toBe(-1);
    }
  });

  it("grants host storage, telemetry and dead-letter roles to the right identities and scopes", () => {
    const assignments = ofType(main, "Microsoft.Authorization/roleAssignments");
    const pairs = (role: string): string[] =>
      assignments
        .filter((a) => roleOf(a) === role)
        .map((a) => `${principalOf(a)?.name} -> ${scopeOf(a)?.split("/providers/")[1]}`)
        .sort();
    const to = (scopes: readonly string[], target: string): string[] => scopes.map((p) => `${p} -> ${target}`).sort();
    const apps = Object.values(names.appByService);
    const account = `Microsoft.Storage/storageAccounts/${main.outputs.STORAGE_ACCOUNT_NAME}`;
    expect(pairs(ROLE.storageBlobDataOwner)).toEqual(to(apps, account));
    const insights = `Microsoft.Insights/components/${main.outputs.APPLICATIONINSIGHTS_NAME}`;
    expect(pairs(ROLE.monitoringMetricsPublisher)).toEqual(to(apps, insights));
    const deadLetters = `${account}/blobServices/default/containers/dead-letters`;
    expect(pairs(ROLE.storageBlobDataContributor)).toEqual(to(Object.values(names.topicResourceByTopic), deadLetters));
    const cosmosAssignments = ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");
    expect(main.outputs.ROLE_ASSIGNMENT_COUNT).toBe(assignments.length + cosmosAssignments.length);
  });
});

describe("what subscriptions.bicep deploys", () => {
  it("creates every subscription of listSubscriptions() exactly once, to its function, with its event types", () => {
    expect(Object.keys(names.topicResourceByTopic).sort()).toEqual([...topicNames].sort());
    expect(subscriptionProblems(listSubscriptions(), subs, names)).toEqual([]);
    expect(ofType(subs, "Microsoft.EventGrid/topics/eventSubscriptions")).toHaveLength(listSubscriptions().length);
  });

  it("delivers CloudEvents with explicit retries and dead-letters with the topic's identity into main's container", () => {
    const group = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
    const storageId = `${group}/providers/Microsoft.Storage/storageAccounts/${main.outputs.STORAGE_ACCOUNT_NAME}`;
    const blobContainers = ofType(main, "Microsoft.Storage/storageAccounts/blobServices/containers");
    const containers = blobContainers.map((c) => c.name.split("/").pop());
    for (const s of ofType(subs, "Microsoft.EventGrid/topics/eventSubscriptions")) {
      expect(at(s, "properties.eventDeliverySchema")).toBe("CloudEventSchemaV1_0");
      expect(at(s, "properties.retryPolicy")).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
      expect(at(s, "properties.deadLetterWithResourceIdentity.identity.type")).toBe("SystemAssigned");
      expect(at(s, "properties.deadLetterWithResourceIdentity.deadLetterDestination.properties")).toEqual({
        resourceId: storageId,
        blobContainerName: main.outputs.DEAD_LETTER_CONTAINER_NAME,
      });
    }
    expect(containers).toContain(main.outputs.DEAD_LETTER_CONTAINER_NAME);
  });
});

describe("the drift checks fail on a drifted deployment", () => {
  it("reports a subscription the manifest has but the template no longer creates", () => {
    const missing = [...listSubscriptions()].sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    expect(subscriptionProblems(listSubscriptions(), subsWithoutOne, names)).toEqual([
      `${missing?.name}: expected once on ${names.topicResourceByTopic[missing?.topic ?? "orders"]}, found 0`,
    ]);
  });

  it("reports a sender grant on a topic the service does not publish to", () => {
    const publishes = publishedTopicsByService();
    expect(senderProblems(senderTopicsByService(mainWithExtraPublish, names), publishes)).toEqual([
      "journal: sender on [users], publishes to []",
    ]);
  });
});

describe("security", () => {
  const LIST_CALL = /\blist[A-Za-z]*\s*\(/;

  it("reads no key or secret: no list*() call in any compiled template, no secret-looking output", () => {
    const expressions = JSON.stringify(compiled).match(/"\[[^"]*"/g) ?? [];
    expect(expressions.filter((e) => LIST_CALL.test(e))).toEqual([]);
    for (const [file, t] of Object.entries(compiled)) {
      const outputs = (t.outputs ?? {}) as Record<string, { type?: string }>;
      for (const [name, o] of Object.entries(outputs)) {
        expect(`${file}:${name}:${o.type}`).not.toMatch(/key|secret|password|connectionstring|secure/i);
      }
    }
    expect(JSON.stringify([main.outputs, subs.outputs])).not.toMatch(/ConnectionString|InstrumentationKey|listKeys/i);
  });

  it("sets no credential as an app setting (the App Insights connection string is the documented exception)", () => {
    const insights = ofType(main, "Microsoft.Insights/components");
    expect(insights.map((i) => at(i, "properties.DisableLocalAuth"))).toEqual([true]);
    for (const site of ofType(main, "Microsoft.Web/sites")) {
      for (const [name, value] of Object.entries(appSettingsOf(site))) {
        expect(name).not.toMatch(/__key$|password|secret|sas/i);
        if (name === "APPLICATIONINSIGHTS_CONNECTION_STRING") continue;
        const credential = /AccountKey=|SharedAccessKey|ConnectionString|InstrumentationKey|listKeys/i;
        expect(`${name}=${String(value)}`).not.toMatch(credential);
      }
    }
  });

  it("disables local auth and requires TLS 1.2 on topics, Cosmos DB, storage and Log Analytics", () => {
    const props = (type: string, paths: readonly string[]): unknown[][] =>
      ofType(main, type).map((r) => paths.map((p) => at(r, p)));
    const topics = props("Microsoft.EventGrid/topics", [
      "identity.type",
      "properties.disableLocalAuth",
      "properties.minimumTlsVersionAllowed",
      "properties.inputSchema",
    ]);
    expect(topics).toEqual(topicNames.map(() => ["SystemAssigned", true, "1.2", "CloudEventSchemaV1_0"]));
    const cosmos = props("Microsoft.DocumentDB/databaseAccounts", [
      "properties.disableLocalAuth",
      "properties.minimalTlsVersion",
      "properties.capabilities",
    ]);
    expect(cosmos).toEqual([[true, "Tls12", [{ name: "EnableServerless" }]]]);
    const storage = props("Microsoft.Storage/storageAccounts", [
      "properties.allowSharedKeyAccess",
      "properties.minimumTlsVersion",
      "properties.supportsHttpsTrafficOnly",
      "properties.allowBlobPublicAccess",
    ]);
    expect(storage).toEqual([[false, "TLS1_2", true, false]]);
    const access = props("Microsoft.Storage/storageAccounts/blobServices/containers", ["properties.publicAccess"]);
    expect(access.length).toBeGreaterThan(0);
    expect(access.every(([a]) => a === "None")).toBe(true);
    const workspaces = props("Microsoft.OperationalInsights/workspaces", ["properties.features.disableLocalAuth"]);
    expect(workspaces).toEqual([[true]]);
  });

  it("serves every Function App over HTTPS only with TLS 1.2, no FTP state other than disabled, no SCM basic auth", () => {
    const sites = ofType(main, "Microsoft.Web/sites");
    const scmPolicies = ofType(main, "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    for (const site of sites) {
      expect(at(site, "properties.httpsOnly")).toBe(true);
      expect(at(site, "properties.siteConfig.minTlsVersion")).toBe("1.2");
      expect(at(site, "properties.siteConfig.scmMinTlsVersion")).toBe("1.2");
      expect([undefined, "Disabled"]).toContain(at(site, "properties.siteConfig.ftpsState"));
      expect(scmPolicies.find((p) => p.name === `${site.name}/scm`)?.properties).toEqual({ allow: false });
    }
  });
});
