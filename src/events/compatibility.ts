/**
 * Finds breaking changes between two versions of an event's JSON Schema. Events of the old shape are still in flight
 * (Event Grid retries for up to 24 h) and services are deployed one at a time, so for an existing event type both
 * directions matter: a change that old events or old consumers cannot meet must be a new `.vN` type instead.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  [key: string]: unknown;
};

export const breakingChanges = (before: JsonSchema, after: JsonSchema, path = "data"): string[] => {
  const changes: string[] = [];
  const typeOf = (s: JsonSchema) => JSON.stringify(s.type ?? null);
  if (typeOf(before) !== typeOf(after)) changes.push(`${path}: type ${typeOf(before)} became ${typeOf(after)}`);
  if (before.enum || after.enum) {
    const was = new Set((before.enum ?? []).map((v) => JSON.stringify(v)));
    const is = new Set((after.enum ?? []).map((v) => JSON.stringify(v)));
    const removed = [...was].filter((v) => !is.has(v));
    const added = [...is].filter((v) => !was.has(v));
    if (removed.length > 0) changes.push(`${path}: values ${removed.join(", ")} no longer allowed (events in flight carry them)`);
    if (added.length > 0 && was.size > 0) changes.push(`${path}: new values ${added.join(", ")} (consumers deployed earlier reject them)`);
  }
  const beforeProps = before.properties ?? {};
  const afterProps = after.properties ?? {};
  const wasRequired = new Set(before.required ?? []);
  const isRequired = new Set(after.required ?? []);
  for (const name of Object.keys(beforeProps)) {
    if (!(name in afterProps)) {
      if (wasRequired.has(name)) changes.push(`${path}.${name}: removed (consumers deployed earlier need it)`);
      continue;
    }
    changes.push(...breakingChanges(beforeProps[name]!, afterProps[name]!, `${path}.${name}`));
  }
  for (const name of isRequired) {
    if (!wasRequired.has(name)) changes.push(`${path}.${name}: now required (events in flight lack it)`);
  }
  if (before.items && after.items) changes.push(...breakingChanges(before.items, after.items, `${path}[]`));
  return changes;
};
