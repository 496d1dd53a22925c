/**
 * Derives what the Azure infrastructure needs from the manifest (src/topology.ts) and writes it where Bicep and azd
 * read it: `infra/generated/topology.json` (loaded by `loadJsonContent` in main.bicep and subscriptions.bicep) and
 * `azure.yaml` (one azd service per Function App). Adding a service or a reaction therefore needs no Bicep edit.
 *
 *   node dist/scripts/gen-infra.js           writes the files
 *   node dist/scripts/gen-infra.js --check   exits 1 with a diff summary when a committed file is stale
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { listReactions, listSubscriptions, serviceNames, services, topicShardsPublishedBy } from "../src/topology";
import { topicNames } from "../src/events/catalog";
import { CosmosIndexingPolicy, indexingPolicyOf } from "../src/containerIndexing";
import { deployedTopicLayout, shardsOf } from "../src/events/topicShards";
import { parseFlags } from "@azure-choreography/server-kit";

export interface InfraService {
  readonly container: string;
  readonly name: string;
  /** The Event Grid topics (every shard of each topic it publishes to): one endpoint setting and one sender role each. */
  readonly publishesTo: readonly string[];
  /** Function names (`<service>-<reaction>`) of the service's Event Grid reactions. */
  readonly reactions: readonly string[];
}

export interface InfraSubscription {
  /** Dead-letter to the blob container when retries run out (the manifest's delivery policy). */
  readonly deadLetter: boolean;
  readonly functionName: string;
  /** Absent = every event type of the topic. */
  readonly includedEventTypes?: readonly string[];
  readonly maxEventsPerBatch: number;
  readonly name: string;
  /** Event Grid's retryPolicy, from the manifest's delivery policy (src/topology.ts `defaultDelivery`). */
  readonly retryPolicy: { readonly eventTimeToLiveInMinutes: number; readonly maxDeliveryAttempts: number };
  readonly service: string;
  /** The Event Grid topic it is created on: one shard of `topic`. */
  readonly shard: string;
  readonly topic: string;
}

export interface InfraTopology {
  readonly generatedBy: string;
  readonly services: readonly InfraService[];
  readonly subscriptions: readonly InfraSubscription[];
  /** Shards per topic (src/events/catalog.ts `topicShardCounts`). */
  readonly topicShards: Readonly<Record<string, number>>;
  /** Every Event Grid topic to deploy: each shard of each topic. */
  readonly topics: readonly string[];
}

export interface GeneratedFile {
  /** Relative to the repository root, `/`-separated. */
  readonly path: string;
  readonly content: string;
}

export class GenInfraError extends Error {
  readonly code = "GEN_INFRA.INVALID_MANIFEST";
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (xs: readonly string[]): string[] => [...xs].sort(byString);

export const buildInfraTopology = (): InfraTopology => {
  const reactions = listReactions();
  const infraServices = [...serviceNames].sort(byString).map(
    (name): InfraService => ({
      container: services[name].container,
      name,
      publishesTo: sorted(topicShardsPublishedBy(name)),
      reactions: sorted(reactions.filter((r) => r.service === name).map((r) => r.functionName)),
    }),
  );
  const subscriptions = listSubscriptions()
    .map(
      (s): InfraSubscription => ({
        deadLetter: s.delivery.deadLetter,
        functionName: s.functionName,
        ...(s.includedEventTypes === undefined ? {} : { includedEventTypes: sorted(s.includedEventTypes) }),
        maxEventsPerBatch: s.maxEventsPerBatch,
        name: s.name,
        retryPolicy: { eventTimeToLiveInMinutes: s.delivery.eventTimeToLiveInMinutes, maxDeliveryAttempts: s.delivery.maxDeliveryAttempts },
        service: s.service,
        shard: s.shard,
        topic: s.topic,
      }),
    )
    .sort((a, b) => byString(a.name, b.name));
  assertDeployable(infraServices, subscriptions);
  return {
    generatedBy: "scripts/gen-infra.ts from src/topology.ts (npm run gen:infra); do not edit",
    services: infraServices,
    subscriptions,
    topicShards: deployedTopicLayout,
    topics: sorted(topicNames.flatMap((t) => shardsOf(t, deployedTopicLayout))),
  };
};

/** Fails generation rather than deployment: Azure rejects these names only after minutes of provisioning. */
export const assertDeployable = (svcs: readonly InfraService[], subs: readonly InfraSubscription[]): void => {
  const problems: string[] = [];
  for (const s of svcs) {
    // The service name goes into the Function App, plan and blob container names (lower-case letters, digits, '-').
    // At most 25 characters keeps 'func-<service>-' within the 32 characters the Functions host id is cut to, so apps
    // sharing one storage account never share a host id.
    if (!/^[a-z][a-z0-9-]{0,24}$/.test(s.name)) problems.push(`service name "${s.name}" must match ^[a-z][a-z0-9-]{0,24}$`);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(s.container)) problems.push(`container "${s.container}" of ${s.name} is not a valid id`);
  }
  const containers = svcs.map((s) => s.container);
  containers.forEach((c, i) => containers.indexOf(c) !== i && problems.push(`container "${c}" is used by two services`));
  const names = subs.map((s) => s.name);
  names.forEach((n, i) => names.indexOf(n) !== i && problems.push(`subscription name "${n}" is not unique`));
  for (const s of subs) {
    if (!/^[A-Za-z0-9-]{3,64}$/.test(s.name)) problems.push(`subscription name "${s.name}" is not 3-64 letters, digits, '-'`);
    if (s.includedEventTypes?.length === 0) problems.push(`subscription "${s.name}" filters on no event type`);
  }
  if (problems.length > 0) throw new GenInfraError(`The manifest cannot be deployed:\n- ${problems.join("\n- ")}`);
};

/** JSON with keys sorted at every level, two-space indent and a trailing newline: byte-stable across runs. */
export const stableJson = (value: unknown): string => `${JSON.stringify(sortKeys(value), null, 2)}\n`;

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort(byString)
        .map((k) => [k, sortKeys(obj[k])]),
    );
  }
  return value;
};

/** What `npm run package` (scripts/package.ts) writes and azd deploys to every Function App. */
export const PACKAGE_PATH = ".artifacts/functionapp.zip";

export const renderAzureYaml = (topology: InfraTopology): string => {
  const serviceBlocks = topology.services
    .map((s) => [`  ${s.name}:`, "    project: .", "    language: custom", `    dist: ${PACKAGE_PATH}`, "    host: function", "    remoteBuild: false"].join("\n"))
    .join("\n");
  return `# yaml-language-server: $schema=https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json
# Generated by scripts/gen-infra.ts from src/topology.ts (npm run gen:infra); do not edit by hand.
# One azd service per Function App, all deploying the one package \`npm run package\` builds (azd 1.20.2 or later
# deploys a \`dist\` that is a .zip as it is, and never rebuilds it remotely); the SERVICES app setting selects what each
# app registers. Run azd from this directory, the repository root: \`dist\` is a path relative to it.
# The postdeploy hook calls the Azure CLI, which azd's login does not log in: run \`az login\` too.
name: azure-choreography
metadata:
  template: azure-choreography
infra:
  provider: bicep
  path: infra
  module: main
services:
${serviceBlocks}
hooks:
  # Once for all services: compile without the local stack, install production dependencies clean, zip.
  prepackage:
    posix:
      shell: sh
      run: npm run package
      continueOnError: false
      interactive: false
    windows:
      shell: pwsh
      run: npm run package
      continueOnError: false
      interactive: false
  # Event Grid validates a subscription's endpoint on creation, so subscriptions are deployed after the code.
  postdeploy:
    posix:
      shell: sh
      run: ./infra/scripts/deploy-subscriptions.sh
      continueOnError: false
      interactive: false
    windows:
      shell: pwsh
      run: ./infra/scripts/deploy-subscriptions.ps1
      continueOnError: false
      interactive: false
`;
};

/** Each container's indexing policy (src/containerIndexing.ts), by container name, as infra/modules/cosmos.bicep takes it. */
export const buildIndexingPolicies = (): { generatedBy: string; containers: Record<string, CosmosIndexingPolicy> } => ({
  generatedBy: "scripts/gen-infra.ts from src/containerIndexing.ts (npm run gen:infra); do not edit",
  containers: Object.fromEntries([...serviceNames].sort(byString).map((s) => [services[s].container, indexingPolicyOf(s)])),
});

export const generateInfraFiles = (): GeneratedFile[] => {
  const topology = buildInfraTopology();
  return [
    { path: "infra/generated/topology.json", content: stableJson(topology) },
    { path: "infra/generated/indexing-policies.json", content: stableJson(buildIndexingPolicies()) },
    { path: "azure.yaml", content: renderAzureYaml(topology) },
  ];
};

/** The repository root, whether this runs from `scripts/` (ts-jest) or `dist/scripts/` (compiled). */
export const findRepoRoot = (from: string = __dirname): string => {
  let dir = resolve(from);
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src", "topology.ts"))) return dir;
    dir = dirname(dir);
  }
  throw new GenInfraError(`No repository root (package.json + src/topology.ts) above ${from}`);
};

/** Lines only in `expected` (+) and only in `actual` (-), at most `limit` of them: enough to see what drifted. */
export const diffSummary = (expected: string, actual: string, limit = 20): string[] => {
  const exp = expected.split("\n");
  const act = actual.split("\n");
  const added = exp.filter((l) => !act.includes(l)).map((l) => `+ ${l}`);
  const removed = act.filter((l) => !exp.includes(l)).map((l) => `- ${l}`);
  const all = [...added, ...removed];
  return all.length > limit ? [...all.slice(0, limit), `… ${all.length - limit} more`] : all;
};

export interface CheckResult {
  readonly stale: readonly { path: string; summary: readonly string[] }[];
}

export const checkInfraFiles = (root: string): CheckResult => ({
  stale: generateInfraFiles().flatMap((f) => {
    const full = join(root, f.path);
    const actual = existsSync(full) ? readFileSync(full, "utf8") : "";
    if (actual === f.content) return [];
    const summary = actual === "" ? ["(missing)"] : diffSummary(f.content, actual);
    // Same lines in another order, or whitespace only: still stale, say so rather than print nothing.
    return [{ path: f.path, summary: summary.length > 0 ? summary : ["(order or whitespace differs)"] }];
  }),
});

export const writeInfraFiles = (root: string): string[] =>
  generateInfraFiles().map((f) => {
    const full = join(root, f.path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.content);
    return f.path;
  });

const main = (argv: readonly string[]): number => {
  const { values } = parseFlags(argv, { check: { type: "boolean" } });
  const root = findRepoRoot();
  if (values.check) {
    const { stale } = checkInfraFiles(root);
    if (stale.length === 0) {
      console.log("gen-infra: generated files are up to date");
      return 0;
    }
    for (const s of stale) console.error(`gen-infra: ${s.path} is stale\n  ${s.summary.join("\n  ")}`);
    console.error("gen-infra: run `npm run gen:infra` and commit the result");
    return 1;
  }
  for (const p of writeInfraFiles(root)) console.log(`gen-infra: wrote ${p}`);
  return 0;
};

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  }
}
