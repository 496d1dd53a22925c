/**
 * Pure checks over `bicep snapshot` output (see bicepCli.ts): what the templates would deploy, compared with the
 * manifest. Each returns the list of problems, so a test can also prove a check fails on a broken deployment.
 */
import type { PredictedResource, Snapshot } from "./bicepCli";

export const ROLE = {
  eventGridDataSender: "d5a91429-5739-47e2-a06b-3470a27159e7",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  communicationAndEmailServiceOwner: "09976791-48a7-449e-bb21-39d1a415f350",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  cosmosDataReader: "00000000-0000-0000-0000-000000000001",
  cosmosDataContributor: "00000000-0000-0000-0000-000000000002",
} as const;

export interface ExpectedSubscription {
  readonly name: string;
  readonly topic: string;
  /** The Event Grid topic (shard of `topic`) it is created on. */
  readonly shard: string;
  readonly service: string;
  readonly functionName: string;
  readonly includedEventTypes: readonly string[] | undefined;
  readonly maxEventsPerBatch?: number;
}

/** Resource names the main deployment gives each service's app and each manifest topic. */
export interface DeployedNames {
  readonly appByService: Readonly<Record<string, string>>;
  readonly topicResourceByTopic: Readonly<Record<string, string>>;
}

export const ofType = (snapshot: Snapshot, type: string): PredictedResource[] =>
  snapshot.predictedResources.filter((r) => r.type.toLowerCase() === type.toLowerCase());

/** Reads a dotted path (`properties.siteConfig.appSettings`) without trusting the shape. */
export const at = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);

export const appSettingsOf = (site: PredictedResource): Record<string, unknown> => {
  const list = at(site, "properties.siteConfig.appSettings");
  if (!Array.isArray(list)) return {};
  return Object.fromEntries(list.map((s: { name: string; value: unknown }) => [s.name, s.value]));
};

/** Scope of an extension resource (role assignment), from its id: `[extensionResourceId('<scope>', ...)]` or evaluated. */
export const scopeOf = (r: PredictedResource): string | undefined => {
  const id = r.id ?? "";
  const unevaluated = /^\[extensionResourceId\('([^']+)'/.exec(id);
  if (unevaluated) return unevaluated[1];
  const i = id.indexOf("/providers/Microsoft.Authorization/roleAssignments/");
  return i > 0 ? id.slice(0, i) : undefined;
};

/** The resource whose identity a principalId refers to (`reference('<id>', ..., 'full').identity.principalId`). */
export const principalOf = (r: PredictedResource): { type: string; name: string } | undefined => {
  const principal = at(r, "properties.principalId");
  if (typeof principal !== "string") return undefined;
  // A site's system identity (`reference(<site>, …, 'full').identity.principalId`) or a user-assigned identity
  // (`reference(<identity>, …).principalId`).
  const m = /providers\/(Microsoft\.[\w]+\/[\w]+)\/([^'/]+)'[^)]*\)(?:\.identity)?\.principalId/.exec(principal);
  return m ? { type: m[1] ?? "", name: m[2] ?? "" } : undefined;
};

export const roleOf = (r: PredictedResource): string | undefined => {
  const def = at(r, "properties.roleDefinitionId");
  return typeof def === "string" ? def.split("/").pop() : undefined;
};

export const deployedNames = (main: Snapshot, topicPrefix: string, topics: readonly string[]): DeployedNames => {
  const apps = main.outputs.FUNCTION_APP_NAMES as Record<string, string> | undefined;
  const topicResources = ofType(main, "Microsoft.EventGrid/topics").map((t) => t.name);
  return {
    appByService: apps ?? {},
    topicResourceByTopic: Object.fromEntries(
      topics.flatMap((t) => {
        // `<prefix><shard>-<uniqueString token>`: `orders-` alone would also match the shards `orders-1-…`.
        const found = topicResources.filter((n) => n.startsWith(`${topicPrefix}${t}-`) && /^[a-z0-9]{13}$/.test(n.slice(`${topicPrefix}${t}-`.length)));
        return found.length === 1 ? [[t, found[0] ?? ""]] : [];
      }),
    ),
  };
};

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");

/** Every expected subscription exists exactly once, on its topic, to its function, with its event types; no others. */
export const subscriptionProblems = (
  expected: readonly ExpectedSubscription[],
  subscriptions: Snapshot,
  names: DeployedNames,
): string[] => {
  const predicted = ofType(subscriptions, "Microsoft.EventGrid/topics/eventSubscriptions");
  const problems: string[] = [];
  const expectedFullNames = new Set<string>();
  for (const sub of expected) {
    const topicResource = names.topicResourceByTopic[sub.shard];
    const app = names.appByService[sub.service];
    if (topicResource === undefined || app === undefined) {
      problems.push(`${sub.name}: main deploys no topic ${sub.shard} or no app for ${sub.service}`);
      continue;
    }
    const fullName = `${topicResource}/${sub.name}`;
    expectedFullNames.add(fullName);
    const matches = predicted.filter((p) => p.name === fullName);
    if (matches.length !== 1) {
      problems.push(`${sub.name}: expected once on ${topicResource}, found ${matches.length}`);
      continue;
    }
    const p = matches[0] as PredictedResource;
    const endpoint = at(p, "properties.destination.properties.resourceId");
    if (at(p, "properties.destination.endpointType") !== "AzureFunction") problems.push(`${sub.name}: endpoint is not AzureFunction`);
    if (typeof endpoint !== "string" || !endpoint.endsWith(`/providers/Microsoft.Web/sites/${app}/functions/${sub.functionName}`)) {
      problems.push(`${sub.name}: delivers to ${String(endpoint)}, not ${app}/functions/${sub.functionName}`);
    }
    const batch = at(p, "properties.destination.properties.maxEventsPerBatch");
    if (batch !== (sub.maxEventsPerBatch ?? 1)) problems.push(`${sub.name}: delivers ${String(batch)} events per batch, not ${sub.maxEventsPerBatch ?? 1}`);
    const types = at(p, "properties.filter.includedEventTypes");
    if (sub.includedEventTypes === undefined) {
      if (types !== undefined) problems.push(`${sub.name}: filters on ${JSON.stringify(types)} but should receive every type`);
    } else if (!Array.isArray(types) || !sameSet(types as string[], sub.includedEventTypes)) {
      problems.push(`${sub.name}: event types ${JSON.stringify(types)} ≠ ${JSON.stringify(sub.includedEventTypes)}`);
    }
  }
  for (const p of predicted) if (!expectedFullNames.has(p.name)) problems.push(`${p.name}: not in the manifest`);
  return problems;
};

/** Topics each service may publish to, as granted by EventGrid Data Sender assignments. */
export const senderTopicsByService = (main: Snapshot, names: DeployedNames): Record<string, string[]> => {
  const serviceByApp = Object.fromEntries(Object.entries(names.appByService).map(([s, a]) => [a, s]));
  const topicByResource = Object.fromEntries(Object.entries(names.topicResourceByTopic).map(([t, r]) => [r, t]));
  const grants: Record<string, string[]> = {};
  for (const r of ofType(main, "Microsoft.Authorization/roleAssignments")) {
    if (roleOf(r) !== ROLE.eventGridDataSender) continue;
    const principal = principalOf(r);
    const scope = scopeOf(r) ?? "";
    const service = principal ? serviceByApp[principal.name] ?? `?${principal.name}` : "?unknown-principal";
    const topic = topicByResource[scope.split("/").pop() ?? ""] ?? `?${scope}`;
    (grants[service] ??= []).push(topic);
  }
  for (const list of Object.values(grants)) list.sort();
  return grants;
};

/** Sender grants compared with what each service publishes: a missing grant breaks publishing, an extra one is a leak. */
export const senderProblems = (
  granted: Readonly<Record<string, readonly string[]>>,
  publishes: Readonly<Record<string, readonly string[]>>,
): string[] => {
  const services = [...new Set([...Object.keys(granted), ...Object.keys(publishes)])].sort();
  return services.flatMap((s) => {
    const g = granted[s] ?? [];
    const p = publishes[s] ?? [];
    return sameSet(g, p) ? [] : [`${s}: sender on [${g.join(", ")}], publishes to [${p.join(", ")}]`];
  });
};
