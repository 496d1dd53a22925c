import { CosmosIndexingPolicy, INDEX_EVERYTHING, indexingPolicyOf } from "../../src/containerIndexing";
import { serviceNames, services } from "../../src/topology";

/**
 * How many index terms Cosmos DB writes for a document under a container's indexing policy: one per scalar (string,
 * number, boolean, null) whose path the policy includes, array elements included, plus `id` and `_ts`, which are always
 * indexed. A path's rule is the most precise one that matches it (https://learn.microsoft.com/azure/cosmos-db/index-policy:
 * "the path with the most precision takes precedence"): `/a/b/?` over `/a/*` over `/*`; at equal precision, excluded.
 * System properties (`_rid`, `_self`, `_etag`, `_attachments`) are not the document's own and are not counted.
 */
export const indexedTerms = (document: unknown, policy: CosmosIndexingPolicy): number => {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return 0;
  const rules = [
    ...policy.includedPaths.map((p) => ({ ...parseRule(p.path), included: true })),
    ...policy.excludedPaths.map((p) => ({ ...parseRule(p.path), included: false })),
  ];
  const included = (segments: readonly string[]): boolean => {
    let best: { precision: number; included: boolean } | undefined;
    for (const rule of rules) {
      if (!rule.matches(segments)) continue;
      if (!best || rule.precision > best.precision || (rule.precision === best.precision && !rule.included)) best = rule;
    }
    return best?.included ?? false;
  };
  let terms = 2; // id and _ts
  const walk = (value: unknown, segments: string[]): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, [...segments, "[]"]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) walk(child, [...segments, key]);
    } else if (included(segments)) {
      terms += 1;
    }
  };
  for (const [key, value] of Object.entries(document)) {
    if (key === "id" || key.startsWith("_")) continue;
    walk(value, [key]);
  }
  return terms;
};

interface Rule {
  /** How many segments the rule names; a scalar rule (`/?`) counts half a segment more than a subtree rule (`/*`) at its depth. */
  readonly precision: number;
  readonly matches: (segments: readonly string[]) => boolean;
}

/** `/a/b/?` (the scalar at a.b), `/a/*` (everything under a), `/"_etag"/?` (a quoted name), `/a/[]/b/?` (in arrays). */
const parseRule = (path: string): Rule => {
  const parts = path.split("/").slice(1).map((s) => s.replace(/^"(.*)"$/, "$1"));
  const last = parts.at(-1);
  const prefix = parts.slice(0, -1);
  const startsWith = (segments: readonly string[]) => prefix.every((p, i) => segments[i] === p);
  if (last === "?") return { precision: prefix.length + 0.5, matches: (s) => s.length === prefix.length && startsWith(s) };
  if (last === "*") return { precision: prefix.length, matches: (s) => s.length > prefix.length && startsWith(s) };
  throw new Error(`Not an index path (it ends in /? or /*): ${path}`);
};

const containerPolicies = new Map(serviceNames.map((s) => [services[s].container as string, indexingPolicyOf(s)]));

/** The policy a container of the manifest has; one it does not declare has Cosmos DB's default. */
export const policyOfContainer = (container: string): CosmosIndexingPolicy => containerPolicies.get(container) ?? INDEX_EVERYTHING;

/** A written document's terms under its container's policy, and under the index-everything policy it had before. */
export const termsOfWrite = (container: string, document: unknown): { policy: number; indexEverything: number } => ({
  policy: indexedTerms(document, policyOfContainer(container)),
  indexEverything: indexedTerms(document, INDEX_EVERYTHING),
});
