/**
 * The real Bicep CLI builds and lints every template, then `bicep snapshot` (ARM's template engine, offline) expands
 * the compiled main.json and subscriptions.json so the tests read what would be deployed, not the source text.
 * All CLI calls happen once in beforeAll (each takes 1-3 s); the tests share the results.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buildInfraTopology, findRepoRoot } from "#scripts/gen-infra";
import { listSubscriptions, serviceNames, services, topicShardsPublishedBy } from "#src/topology";
import { topicNames } from "#src/events/catalog";
import { deployedTopicLayout, settingPrefixOf, shardsOf } from "#src/events/topicShards";

/** Every Event Grid topic main.bicep deploys: each shard of each topic. */
const topicShards = topicNames.flatMap((t) => shardsOf(t, deployedTopicLayout));
import { flowNames } from "#src/flows";
import { DEPLOYED_APP_SCALE } from "#scripts/capacity/model";
import { JOURNAL_COMPOSITE_INDEXES, flowSummaryQuery } from "#src/services/journal/flowIndex";
import { indexingPolicyOf } from "#src/containerIndexing";
import { Deadlines, flowStatuses } from "#src/services/journal/flowStatus";
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
import { apiClientId, mainParams, secretValues, snapshotScope } from "./deploymentFixture";

const root = findRepoRoot(__dirname);
const scope = snapshotScope;
const abbrs = JSON.parse(readFileSync(join(root, "infra", "abbreviations.json"), "utf8")) as Record<string, string>;
/** What azd would have in its environment for main.bicepparam. */
const bicepparamEnv = {
  AZURE_ENV_NAME: "infra-test",
  AZURE_LOCATION: "westeurope",
  PAYMENT_GATEWAY_URL: mainParams.paymentGatewayUrl,
  BANK_API_URL: mainParams.bankApiUrl,
  CRM_API_URL: mainParams.crmApiUrl,
  CRM_API_KEY: secretValues.crmApiKey,
  ACS_EMAIL_ENDPOINT: mainParams.email.endpoint,
  EMAIL_SENDER_ADDRESS: mainParams.email.senderAddress,
  ACS_RESOURCE_ID: mainParams.email.resourceId,
  API_CLIENT_ID: apiClientId,
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
let missingRequired: string;
let overQuota: string;
let scaled: Snapshot | string;
let misnamedScale: string;
let bicepparamBuilt: { status: number | null; output: string };
let bicepparamWithoutCrmKey: { status: number | null; output: string };
let bicepparamWithSecretReference: { status: number | null; output: string };

const listBicepFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listBicepFiles(join(dir, e.name)) : e.name.endsWith(".bicep") ? [join(dir, e.name)] : [],
  );

/** The generated topology as the compiler embedded it (the variable `loadJsonContent` became). */
const embeddedTopology = (template: Template): Record<string, unknown> => {
  const vars = (template.variables ?? {}) as Record<string, unknown>;
  const found = Object.values(vars).filter((v) => v !== null && typeof v === "object" && "generatedBy" in v && "services" in v);
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
  Object.fromEntries(serviceNames.flatMap((s) => (topicShardsPublishedBy(s).length > 0 ? [[s, topicShardsPublishedBy(s)]] : [])));

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
  main = snapshotTemplate(cli, mainJson, mainParams, scope);
  const { crmApiKey: _crm, apiClientId: _api, ...withoutTwo } = mainParams;
  missingRequired = ((): string => {
    try {
      snapshotTemplate(cli, mainJson, withoutTwo, scope);
      return "deployed";
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  })();
  const outcomeOf = (params: Record<string, unknown>): Snapshot | string => {
    try {
      return snapshotTemplate(cli, mainJson, params, scope);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const failure = (outcome: Snapshot | string) => (typeof outcome === "string" ? outcome : "deployed");
  overQuota = failure(outcomeOf({ ...mainParams, instanceMemoryMB: 2048 }));
  // What `npm run capacity` suggests for a busy app, with the quota increase it needs.
  scaled = outcomeOf({ ...mainParams, regionalFlexQuotaMB: 1_000_000, appScale: { orders: { instanceMemoryMB: 2048, maximumInstanceCount: 200 } } });
  misnamedScale = failure(outcomeOf({ ...mainParams, appScale: { order: { maximumInstanceCount: 100 } } }));
  const buildParams = (env: Record<string, string>): { status: number | null; output: string } => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in bicepparamEnv)));
    const r = spawnSync(cli.path, ["build-params", join(root, "infra", "main.bicepparam"), "--stdout"], {
      encoding: "utf8",
      env: { ...clean, ...env },
      timeout: 180_000,
    });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  };
  bicepparamBuilt = buildParams(bicepparamEnv);
  const { CRM_API_KEY: _key, ...withoutCrmKey } = bicepparamEnv;
  bicepparamWithoutCrmKey = buildParams(withoutCrmKey);
  // What `azd env set-secret CRM_API_KEY` leaves in azd's environment.
  bicepparamWithSecretReference = buildParams({ ...bicepparamEnv, CRM_API_KEY: "akvs://00000000-0000-0000-0000-0000000000aa/kv-ops/crm-api-key" });
  subs = snapshotTemplate(cli, subsJson, { environmentName: "infra-test" }, scope);
  names = deployedNames(main, abbrs.eventGridTopics ?? "", topicShards);

  const dropped = writeMutated("subs-without-one", compiled["subscriptions.json"] ?? {}, (t) => {
    (t.subscriptions as unknown[]).splice(0, 1);
  });
  subsWithoutOne = snapshotTemplate(cli, dropped, { environmentName: "infra-test" }, scope);
  const extra = writeMutated("main-extra-publish", compiled["main.json"] ?? {}, (t) => {
    const journal = (t.services as { name: string; publishesTo: string[] }[]).find((s) => s.name === "journal");
    if (journal) journal.publishesTo = ["users"];
  });
  mainWithExtraPublish = snapshotTemplate(cli, extra, mainParams, scope);
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

  it("main.bicepparam (what azd deploys with) sets declared parameters only, from the environment", () => {
    expect(bicepparamBuilt.status).toBe(0);
    const built = JSON.parse(bicepparamBuilt.output.slice(0, bicepparamBuilt.output.lastIndexOf("}") + 1)) as { parametersJson: string };
    const params = (JSON.parse(built.parametersJson) as { parameters: Record<string, { value: unknown }> }).parameters;
    const declared = Object.keys((compiled["main.json"]?.parameters ?? {}));
    expect(declared).toEqual(expect.arrayContaining(Object.keys(params)));
    expect(params.crmApiKey?.value).toBe(secretValues.crmApiKey);
    expect(params.email?.value).toEqual(mainParams.email);
    expect(params.journalRetentionInDays?.value).toBe(30);
  });

  it("main.bicepparam fails to build without a required setting, naming its variable", () => {
    expect(bicepparamWithoutCrmKey.status).not.toBe(0);
    expect(bicepparamWithoutCrmKey.output).toMatch(/Environment variable "CRM_API_KEY" does not exist/);
  });

  it("main.bicepparam refuses an azd secret reference (azd does not resolve them for .bicepparam), naming the variable", () => {
    expect(bicepparamWithSecretReference.status).not.toBe(0);
    expect(bicepparamWithSecretReference.output).toMatch(/CRM_API_KEY is an azd secret reference \(akvs:\/\/, from azd env set-secret\)/);
    expect(bicepparamWithSecretReference.output).not.toMatch(/"parametersJson"/);
  });

  it("a deployment without a required outside-system or auth parameter fails validation, naming each", () => {
    expect(missingRequired).toMatch(/crmApiKey/);
    expect(missingRequired).toMatch(/apiClientId/);
    const parameters = (compiled["main.json"]?.parameters ?? {}) as Record<string, { defaultValue?: unknown; type?: string }>;
    const required = Object.entries(parameters).filter(([, p]) => !("defaultValue" in p)).map(([n]) => n).sort();
    expect(required).toEqual(["apiClientId", "bankApiUrl", "crmApiKey", "crmApiUrl", "email", "environmentName", "paymentGatewayUrl"]);
    const secure = Object.entries(parameters).filter(([, p]) => p.type === "securestring").map(([n]) => n).sort();
    expect(secure).toEqual(["bankApiKey", "crmApiKey", "paymentGatewayApiKey"]);
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

const siteOf = (service: string) => ofType(main, "Microsoft.Web/sites").find((site) => appSettingsOf(site).SERVICES === service);
/** Resource ID of the user-assigned identity a service's site carries. */
const identityOf = (service: string): string => Object.keys((at(siteOf(service), "identity.userAssignedIdentities") ?? {}))[0] ?? `?${service}`;
const appStorageOf = (service: string): string => String(appSettingsOf(siteOf(service) ?? ({} as never)).AzureWebJobsStorage__accountName);

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
      expect(site.identity?.type).toBe("SystemAssigned, UserAssigned");
      expect(at(site, "properties.functionAppConfig.runtime")).toEqual({ name: "node", version: "22" });
      const identity = identityOf(service);
      expect(Object.keys(at(site, "identity.userAssignedIdentities") as object)).toEqual([identity]);
      expect(at(site, "properties.functionAppConfig.deployment.storage.authentication")).toEqual({
        type: "UserAssignedIdentity",
        userAssignedIdentityResourceId: identity,
      });
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
      // One per shard: EVENTGRID_ORDERS (shard 0), EVENTGRID_ORDERS_1, …
      const setting = (shard: string): string => `${settingPrefixOf(shard)}__topicEndpointUri`;
      expect(topicSettings).toEqual(topicShardsPublishedBy(service).map(setting).sort());
      for (const t of topicShardsPublishedBy(service)) {
        expect(settings[setting(t)]).toContain(`/Microsoft.EventGrid/topics/${names.topicResourceByTopic[t]}'`);
      }
      expect(settings.COSMOS__accountEndpoint).toMatch(/Microsoft\.DocumentDB\/databaseAccounts\/.*\)\.documentEndpoint\]$/);
      expect(settings.COSMOS_DATABASE_NAME).toBe("choreography");
      expect(settings.AzureWebJobsStorage__accountName).toBe(appStorageOf(service));
      expect(settings.AzureWebJobsStorage__credential).toBe("managedidentity");
      expect(String(settings.AzureWebJobsStorage__clientId)).toContain(`${identityOf(service)}'`);
      expect(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe("Authorization=AAD");
    }
  });

  it("gives each outside-system setting to its service's app only, secrets as Key Vault references", () => {
    const sites = ofType(main, "Microsoft.Web/sites");
    const settingsOf = (service: string): Record<string, unknown> =>
      appSettingsOf(sites.find((site) => appSettingsOf(site).SERVICES === service) ?? ({} as never));
    const vault = ofType(main, "Microsoft.KeyVault/vaults")[0]?.name;
    const reference = (secret: string): string => `@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})`;
    expect(settingsOf("payments")).toMatchObject({ PAYMENT_GATEWAY_URL: mainParams.paymentGatewayUrl });
    expect(settingsOf("payments")).not.toHaveProperty("PAYMENT_GATEWAY_API_KEY");
    expect(settingsOf("banking")).toMatchObject({ BANK_API_URL: mainParams.bankApiUrl, BANK_API_KEY: reference("bank-api-key") });
    expect(settingsOf("crm")).toMatchObject({ CRM_API_URL: mainParams.crmApiUrl, CRM_API_KEY: reference("crm-api-key") });
    // Both services send through the shared email port (src/platform/email) and validate its settings at start.
    for (const sender of ["email", "notifications"]) {
      expect(settingsOf(sender)).toMatchObject({
        EMAIL_PROVIDER: "acs",
        ACS_EMAIL__endpoint: mainParams.email.endpoint,
        EMAIL_SENDER_ADDRESS: mainParams.email.senderAddress,
      });
    }
    const holders = sites.filter((site) => Object.keys(appSettingsOf(site)).some((k) => /^(PAYMENT_|BANK_|CRM_|EMAIL_|ACS_)/.test(k)));
    expect(holders.map((site) => appSettingsOf(site).SERVICES).sort()).toEqual(["banking", "crm", "email", "notifications", "payments"]);
  });

  it("stores the set secrets in a Key Vault in RBAC mode with purge protection, and nowhere else", () => {
    const vaults = ofType(main, "Microsoft.KeyVault/vaults");
    expect(vaults.map((v) => [v.name, at(v, "properties.enableRbacAuthorization"), at(v, "properties.accessPolicies"), at(v, "properties.enablePurgeProtection")])).toEqual([
      [main.outputs.VAULT_NAME, true, [], true],
    ]);
    const secrets = ofType(main, "Microsoft.KeyVault/vaults/secrets");
    expect(secrets.map((x) => x.name.split("/").pop()).sort()).toEqual(["bank-api-key", "crm-api-key"]);
    const elsewhere = main.predictedResources.filter((r) => r.type !== "Microsoft.KeyVault/vaults/secrets");
    const text = JSON.stringify([elsewhere, main.outputs]);
    for (const value of Object.values(secretValues)) expect(text).not.toContain(value);
  });

  it("lets each app read exactly its own secrets, through a user-assigned identity granted before its site exists", () => {
    const grants = ofType(main, "Microsoft.Authorization/roleAssignments")
      .filter((a) => roleOf(a) === ROLE.keyVaultSecretsUser)
      .map((a) => `${principalOf(a)?.type}/${principalOf(a)?.name} -> ${scopeOf(a)?.split("/").slice(-3).join("/")}`)
      .sort();
    const vault = main.outputs.VAULT_NAME;
    const uai = (service: string): string => `Microsoft.ManagedIdentity/userAssignedIdentities/${identityOf(service).split("/").pop()}`;
    expect(grants).toEqual([`${uai("banking")} -> ${vault}/secrets/bank-api-key`, `${uai("crm")} -> ${vault}/secrets/crm-api-key`]);
    // The site resolves references with that identity, not with its system identity (granted only after the site).
    for (const site of ofType(main, "Microsoft.Web/sites")) {
      expect(at(site, "properties.keyVaultReferenceIdentity")).toBe(identityOf(String(appSettingsOf(site).SERVICES)));
    }
    // Ordering: each app's deployment waits for its identity's deployment, which holds the role assignments.
    const modules = (compiled["main.json"]?.resources ?? {}) as Record<string, { dependsOn?: string[]; properties?: { template?: { resources?: Record<string, { type?: string }> } } }>;
    const identityTemplate = Object.values(modules.identities?.properties?.template?.resources ?? {}).map((r) => r.type);
    expect(identityTemplate).toEqual(expect.arrayContaining(["Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.Authorization/roleAssignments"]));
    // (Symbolic names: app i depends on identities[i], the deployment of the same index.)
    expect(modules.apps?.dependsOn ?? []).toContain("[format('identities[{0}]', copyIndex())]");
  });

  it("puts App Service authentication (Entra ID, 401) in front of every app, excluding only Event Grid's webhook", () => {
    const sites = ofType(main, "Microsoft.Web/sites");
    for (const site of sites) expect(appSettingsOf(site).APP_ROLES_ENFORCED).toBe("true");
    const configs = ofType(main, "Microsoft.Web/sites/config").filter((c) => c.name.endsWith("/authsettingsV2"));
    expect(configs.map((c) => c.name.split("/")[0]).sort()).toEqual(sites.map((site) => site.name).sort());
    for (const c of configs) {
      expect(at(c, "properties.platform.enabled")).toBe(true);
      expect(at(c, "properties.globalValidation")).toEqual({
        requireAuthentication: true,
        unauthenticatedClientAction: "Return401",
        excludedPaths: ["/runtime/webhooks/eventgrid", "/runtime/webhooks/EventGrid"],
      });
      expect(at(c, "properties.identityProviders.azureActiveDirectory.enabled")).toBe(true);
      expect(at(c, "properties.identityProviders.azureActiveDirectory.registration.clientId")).toBe(apiClientId);
      expect(at(c, "properties.identityProviders.azureActiveDirectory.validation.allowedAudiences")).toEqual([
        `api://${apiClientId}`,
        apiClientId,
      ]);
    }
  });

  it("scales each Flex Consumption app to at least 40 instances (the platform's minimum)", () => {
    const parameters = (compiled["main.json"]?.parameters ?? {}) as Record<string, { minValue?: number; defaultValue?: number }>;
    expect(parameters.maximumInstanceCount).toMatchObject({ minValue: 40, defaultValue: 40 });
    // What `npm run capacity` takes the deployment to have unless told otherwise.
    expect({ instanceMemoryMB: parameters.instanceMemoryMB?.defaultValue, maximumInstanceCount: parameters.maximumInstanceCount?.defaultValue }).toEqual(DEPLOYED_APP_SCALE);
    for (const site of ofType(main, "Microsoft.Web/sites")) {
      expect(Number(at(site, "properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount"))).toBeGreaterThanOrEqual(40);
    }
  });

  it("excludes Event Grid's webhook from authentication, and no function route, however excludedPaths is matched", () => {
    // App Service authentication runs inside the Functions host on Flex/Linux Consumption (azure-functions-host:
    // JobHostEasyAuthMiddleware wraps Microsoft.Azure.AppService.Middleware, whose path matching is not public), so the
    // exclusion is checked under each reading: exact or prefix, case-sensitive or not.
    const matchers = {
      exact: (excluded: string, path: string) => path === excluded,
      exactIgnoringCase: (excluded: string, path: string) => path.toLowerCase() === excluded.toLowerCase(),
      prefix: (excluded: string, path: string) => path === excluded || path.startsWith(`${excluded}/`),
      prefixIgnoringCase: (excluded: string, path: string) => path.toLowerCase() === excluded.toLowerCase() || path.toLowerCase().startsWith(`${excluded.toLowerCase()}/`),
    };
    // Both spellings Event Grid and the docs use: the extension's own URL (/runtime/webhooks/EventGrid) and the
    // Functions docs' (/runtime/webhooks/eventgrid); an AzureFunction endpoint resolves the URL itself.
    const webhook = ["/runtime/webhooks/EventGrid", "/runtime/webhooks/eventgrid"];
    const routes = serviceNames.flatMap((s) => services[s].http.map((r) => `/api/${r.route.replace(/\{[^}]+\}/g, "x")}`));
    expect(routes.length).toBeGreaterThan(5);
    for (const c of ofType(main, "Microsoft.Web/sites/config").filter((x) => x.name.endsWith("/authsettingsV2"))) {
      const excluded = at(c, "properties.globalValidation.excludedPaths") as string[];
      for (const [name, matches] of Object.entries(matchers)) {
        expect({ name, webhookCovered: webhook.every((w) => excluded.some((e) => matches(e, w))) }).toEqual({ name, webhookCovered: true });
        expect({ name, exemptRoutes: routes.filter((r) => excluded.some((e) => matches(e, r))) }).toEqual({ name, exemptRoutes: [] });
      }
    }
  });

  it("fits every app at its maximum scale into the default regional Flex Consumption quota, and refuses a deployment that does not", () => {
    const sites = ofType(main, "Microsoft.Web/sites");
    const memory = sites.map((site) => Number(at(site, "properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount")) * Number(at(site, "properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB")));
    const quota = (compiled["main.json"]?.parameters as Record<string, { defaultValue?: number }>).regionalFlexQuotaMB?.defaultValue;
    // 250 cores = 512,000 MB per region and subscription unless raised (Flex Consumption plan docs, "Default quota").
    expect(quota).toBe(512_000);
    expect(memory.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(512_000);
    // 12 apps × 40 × 2,048 MB = 983,040 MB: what the template used to deploy by default.
    expect(overQuota).toMatch(/every app at its maximum scale \(banking 40 × 2048 MB, .*orders 40 × 2048 MB, .*\) takes 983040 MB, over the regional Flex Consumption quota of 512000 MB/);
  });

  it("scales one app beyond the others with appScale, counted against the quota, and refuses a name that is no service", () => {
    if (typeof scaled === "string") throw new Error(scaled);
    const scaleOf = (site: ReturnType<typeof ofType>[number]) => ({
      memory: Number(at(site, "properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB")),
      instances: Number(at(site, "properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount")),
    });
    const sites = ofType(scaled, "Microsoft.Web/sites");
    const byName = new Map(sites.map((site) => [site.name, scaleOf(site)]));
    expect(byName.get(names.appByService.orders!)).toEqual({ memory: 2048, instances: 200 });
    expect(byName.get(names.appByService.payments!)).toEqual({ memory: 512, instances: 40 });
    // 200 × 2,048 + 11 × 40 × 512 = 634,880 MB: over the default quota, under the 1,000,000 MB this deployment says it has.
    expect([...byName.values()].reduce((a, x) => a + x.memory * x.instances, 0)).toBe(634_880);
    expect(misnamedScale).toMatch(/appScale names order, which is no service of this deployment \(services: banking, .*orders, /);
  });

  it("lets every app that sends email (the shared email port) send through Communication Services, and no other", () => {
    const granted = ofType(main, "Microsoft.Authorization/roleAssignments")
      .filter((a) => roleOf(a) === ROLE.communicationAndEmailServiceOwner)
      .map((a) => `${principalOf(a)?.name} -> ${scopeOf(a)}`)
      .sort();
    expect(granted).toEqual(["email", "notifications"].map((s) => `${names.appByService[s]} -> ${mainParams.email.resourceId}`));
  });

  it("deletes dead letters after deadLetterRetentionInDays, in an account no app but the journal can read", () => {
    const policies = ofType(main, "Microsoft.Storage/storageAccounts/managementPolicies");
    expect(policies.map((p) => p.name)).toEqual([`${main.outputs.STORAGE_ACCOUNT_NAME}/default`]);
    const [rule] = at(policies[0], "properties.policy.rules") as unknown[];
    expect(at(rule, "definition.filters.prefixMatch")).toEqual(["dead-letters/"]);
    expect(at(rule, "definition.actions.baseBlob.delete.daysAfterModificationGreaterThan")).toBe(14);
    const onDeadLetters = ofType(main, "Microsoft.Authorization/roleAssignments").filter((a) => (scopeOf(a) ?? "").includes(`/storageAccounts/${main.outputs.STORAGE_ACCOUNT_NAME}`));
    const apps = new Set(Object.values(names.appByService));
    const appReaders = onDeadLetters.filter((a) => apps.has(principalOf(a)?.name ?? ""));
    expect(appReaders.map((a) => `${principalOf(a)?.name}:${roleOf(a)}`)).toEqual([`${names.appByService.journal}:${ROLE.storageBlobDataReader}`]);
  });

  it("grants EventGrid Data Sender to each service on exactly the topics it publishes to", () => {
    const publishes = publishedTopicsByService();
    expect(senderProblems(senderTopicsByService(main, names), publishes)).toEqual([]);
  });

  const cosmosGrants = () => {
    const serviceByApp = Object.fromEntries(Object.entries(names.appByService).map(([s, a]) => [a, s]));
    return ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").map((a) => ({
      service: serviceByApp[principalOf(a)?.name ?? ""] as (typeof serviceNames)[number] | undefined,
      role: String(at(a, "properties.roleDefinitionId")).split("/sqlRoleDefinitions/")[1],
      container: String(at(a, "properties.scope")).match(/\/dbs\/choreography\/colls\/([^/]+)$/)?.[1],
    }));
  };

  it("grants Cosmos DB Built-in Data Contributor to each app on its own container only", () => {
    const granted = cosmosGrants().filter((g) => g.role?.startsWith(ROLE.cosmosDataContributor));
    expect(granted.map((g) => g.service).sort()).toEqual([...serviceNames].sort());
    for (const g of granted) expect(g).toEqual({ service: g.service, role: ROLE.cosmosDataContributor, container: services[g.service ?? "orders"].container });
  });

  it("lets the journal read, and only read, every other service's container (poison records) and the dead letters, and tells it where they are", () => {
    const others = serviceNames.filter((s) => s !== "journal").map((s) => services[s].container).sort();
    const readers = cosmosGrants().filter((g) => g.role?.startsWith(ROLE.cosmosDataReader));
    expect(readers.map((g) => `${g.service} -> ${g.container}`).sort()).toEqual(others.map((c) => `journal -> ${c}`));
    expect(cosmosGrants().filter((g) => g.role !== ROLE.cosmosDataReader && g.role !== ROLE.cosmosDataContributor)).toEqual([]);

    const blobReaders = ofType(main, "Microsoft.Authorization/roleAssignments").filter((a) => roleOf(a) === ROLE.storageBlobDataReader);
    expect(blobReaders.map((a) => `${principalOf(a)?.name} -> ${scopeOf(a)?.split("/providers/")[1]}`)).toEqual([
      `${names.appByService.journal} -> Microsoft.Storage/storageAccounts/${main.outputs.STORAGE_ACCOUNT_NAME}/blobServices/default/containers/dead-letters`,
    ]);

    const settings = appSettingsOf(ofType(main, "Microsoft.Web/sites").find((site) => appSettingsOf(site).SERVICES === "journal")!);
    expect(settings.JOURNAL_DEAD_LETTERS_CONTAINER).toBe("dead-letters");
    // The snapshot leaves the cloud's storage suffix unresolved: https://<account>.blob.<suffix>.
    expect(settings.JOURNAL_DEAD_LETTERS__blobServiceUri).toBe(`[format('https://{0}.blob.{1}', '${main.outputs.STORAGE_ACCOUNT_NAME}', environment().suffixes.storage)]`);
    expect(String(settings.JOURNAL_POISON_CONTAINERS).split(",").sort()).toEqual(serviceNames.map((s) => services[s].container).sort());
    const elsewhere = ofType(main, "Microsoft.Web/sites").filter((site) => Object.keys(appSettingsOf(site)).some((k) => k.startsWith("JOURNAL_")));
    expect(elsewhere.map((site) => appSettingsOf(site).SERVICES)).toEqual(["journal"]);
  });

  it("creates one Cosmos container per service on /pk; journal entries expire after 30 days, others on per-item TTL", () => {
    const containers = ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");
    const created = containers.map((c) => c.name.split("/").pop()).sort();
    expect(created).toEqual(serviceNames.map((s) => services[s].container).sort());
    for (const c of containers) {
      expect(at(c, "properties.resource.partitionKey.paths")).toEqual(["/pk"]);
      const journal = c.name.endsWith(`/${services.journal.container}`);
      expect(at(c, "properties.resource.defaultTtl")).toBe(journal ? 30 * 24 * 60 * 60 : -1);
    }
  });

  it("gives each container the indexing policy src/containerIndexing.ts declares: only the paths queries read", () => {
    const containers = ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");
    for (const service of serviceNames) {
      const container = containers.find((c) => c.name.endsWith(`/${services[service].container}`));
      expect({ service, policy: at(container, "properties.resource.indexingPolicy") }).toEqual({ service, policy: indexingPolicyOf(service) });
    }
    // Not the default any more: nothing is indexed that no path names.
    for (const c of containers) expect(at(c, "properties.resource.indexingPolicy.excludedPaths")).toContainEqual({ path: "/*" });
  });

  it("serves every flow listing query (GET /api/flows) from a composite index of the journal container", () => {
    const journal = ofType(main, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").find((c) => c.name.endsWith(`/${services.journal.container}`));
    const indexes = (at(journal, "properties.resource.indexingPolicy.compositeIndexes") as { path: string; order: string }[][]).map((index) =>
      index.map((p) => `c.${p.path.slice(1)} ${p.order === "ascending" ? "ASC" : "DESC"}`).join(", "),
    );
    expect(at(journal, "properties.resource.indexingPolicy.compositeIndexes")).toEqual(JOURNAL_COMPOSITE_INDEXES);
    const deadlines = Object.fromEntries(flowNames.map((f) => [f, 60_000])) as Deadlines;
    const now = new Date("2026-01-01T00:00:00Z");
    const variants = [undefined, ...flowNames].flatMap((flow) => [undefined, ...flowStatuses].map((status) => ({ flow, status, limit: 50, now })));
    for (const variant of variants) {
      const { query } = flowSummaryQuery(variant, deadlines);
      const orderBy = /ORDER BY (.+)$/.exec(query)?.[1] ?? "";
      expect({ variant: `${variant.flow ?? "*"}/${variant.status ?? "*"}`, orderBy, indexed: indexes.includes(orderBy) }).toMatchObject({ indexed: true });
      // Equality filters lead: every ORDER BY property before the sort key is filtered with = in the query.
      for (const key of orderBy.split(", ").slice(0, -1).map((k) => k.split(" ")[0])) expect(query).toMatch(new RegExp(`${key!.replace(".", "\\.")} = `));
    }
  });

  it("alerts on stalled business flows from the journal's metric, scoped to Application Insights", () => {
    const [insights] = ofType(main, "Microsoft.Insights/components");
    const alerts = ofType(main, "Microsoft.Insights/scheduledQueryRules");
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(JSON.stringify(at(alert, "properties.scopes"))).toContain(insights!.name);
    const [criterion] = at(alert, "properties.criteria.allOf") as { query: string; operator: string; threshold: number }[];
    expect(criterion).toMatchObject({ operator: "GreaterThan", threshold: 0 });
    expect(criterion!.query).toContain('name == "choreography.flows.stalled"');
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
    // Host storage: each app's identity on its own account only; no two apps share one, none is the dead letters'.
    const own = serviceNames.map((s) => `${identityOf(s).split("/").pop()} -> Microsoft.Storage/storageAccounts/${appStorageOf(s)}`).sort();
    expect(pairs(ROLE.storageBlobDataOwner)).toEqual(own);
    expect(pairs(ROLE.storageQueueDataContributor)).toEqual(own);
    expect(pairs(ROLE.storageTableDataContributor)).toEqual(own);
    expect(new Set(serviceNames.map(appStorageOf)).size).toBe(serviceNames.length);
    expect(serviceNames.map(appStorageOf)).not.toContain(main.outputs.STORAGE_ACCOUNT_NAME);
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
    expect(Object.keys(names.topicResourceByTopic).sort()).toEqual([...topicShards].sort());
    expect(subscriptionProblems(listSubscriptions(), subs, names)).toEqual([]);
    expect(ofType(subs, "Microsoft.EventGrid/topics/eventSubscriptions")).toHaveLength(listSubscriptions().length);
  });

  it("delivers CloudEvents with explicit retries and dead-letters with the topic's identity into main's container", () => {
    const group = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
    const storageId = `${group}/providers/Microsoft.Storage/storageAccounts/${main.outputs.STORAGE_ACCOUNT_NAME}`;
    const blobContainers = ofType(main, "Microsoft.Storage/storageAccounts/blobServices/containers");
    const containers = blobContainers.map((c) => c.name.split("/").pop());
    const deliveryOf = new Map(listSubscriptions().map((s) => [s.name, s.delivery]));
    for (const s of ofType(subs, "Microsoft.EventGrid/topics/eventSubscriptions")) {
      const delivery = deliveryOf.get(s.name.split("/").pop() ?? "");
      expect(at(s, "properties.eventDeliverySchema")).toBe("CloudEventSchemaV1_0");
      // What the manifest says (and the choreography lint checks), per subscription: today Event Grid's 30 × 24 h.
      expect(at(s, "properties.retryPolicy")).toEqual({ maxDeliveryAttempts: delivery?.maxDeliveryAttempts, eventTimeToLiveInMinutes: delivery?.eventTimeToLiveInMinutes });
      expect(delivery).toMatchObject({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440, deadLetter: true });
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
      `${missing?.name}: expected once on ${names.topicResourceByTopic[missing?.shard ?? "orders"]}, found 0`,
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
        expect({ file, output: `${name}:${o.type}`.match(/key|secret|password|connectionstring|secure/i)?.[0] }).toEqual({ file, output: undefined });
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
        if (/_KEY$/.test(name)) expect(`${name}=${String(value)}`).toMatch(/=@Microsoft\.KeyVault\(VaultName=[^;]+;SecretName=[\w-]+\)$/);
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
    expect(topics).toEqual(topicShards.map(() => ["SystemAssigned", true, "1.2", "CloudEventSchemaV1_0"]));
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
    expect(storage).toEqual([...serviceNames, "dead letters"].map(() => [false, "TLS1_2", true, false]));
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
