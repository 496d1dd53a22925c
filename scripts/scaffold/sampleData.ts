import { z } from "zod";
import { EventType, eventCatalog } from "../../src/events/catalog";

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; enum?: unknown[]; const?: unknown; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; minimum?: number };

/** A literal (TypeScript source) of the shape `schema` describes: required fields only, the first of every choice. */
const literal = (schema: JsonSchema): string => {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum?.length) return JSON.stringify(schema.enum[0]);
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (choice) return literal(choice);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const required = new Set(schema.required ?? []);
      const fields = Object.entries(schema.properties ?? {}).filter(([name]) => required.has(name));
      return `{ ${fields.map(([name, s]) => `${/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)}: ${literal(s)}`).join(", ")} }`;
    }
    case "array":
      return `[${schema.items ? literal(schema.items) : ""}]`;
    case "string":
      return '"x-1"';
    case "number":
    case "integer":
      return String(Math.max(1, schema.minimum ?? 1));
    case "boolean":
      return "true";
    case "null":
      return "null";
    case undefined:
    default:
      return "{}";
  }
};

/** Sample `data` of an event type, as TypeScript source, for a generated spec: built from the catalog's schema. */
export const sampleDataOf = (type: EventType): string =>
  literal(z.toJSONSchema(eventCatalog[type].schema, { unrepresentable: "any", io: "input" }) as JsonSchema);
