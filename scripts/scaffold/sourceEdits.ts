import ts from "typescript";

/**
 * Text edits of the project's own TypeScript sources at places found by their syntax tree (never by a regex over the
 * text), so a manifest entry or a catalog entry lands inside the right object literal whatever the formatting.
 */
const parse = (file: string, text: string): ts.SourceFile => ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);

/** The object literal `export const <name> = { … }` (through `as const` / `satisfies`). */
const exportedObject = (source: ts.SourceFile, name: string): ts.ObjectLiteralExpression => {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== name || !d.initializer) continue;
      let init: ts.Expression = d.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
      if (ts.isObjectLiteralExpression(init)) return init;
    }
  }
  throw new Error(`${source.fileName}: no exported object literal ${name}`);
};

const propertyNamed = (object: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined =>
  object.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name);

/** Inserts `entry` as the last element of a list, after its trailing comma if it has one, on its own lines. */
const appendTo = (text: string, list: ts.NodeArray<ts.Node>, closingAt: number, entry: string, indent: string): string => {
  const last = list[list.length - 1];
  if (!last) return `${text.slice(0, closingAt)}\n${indent}${entry},\n${text.slice(closingAt)}`;
  const afterLast = list.hasTrailingComma ? text.indexOf(",", last.end) + 1 : last.end;
  return `${text.slice(0, afterLast)}${list.hasTrailingComma ? "" : ","}\n${indent}${entry}${list.hasTrailingComma ? "," : ""}${text.slice(afterLast)}`;
};

/** Adds a property at the end of `export const <objectName> = { … }`. */
export const addProperty = (file: string, text: string, objectName: string, property: string, indent = "  "): string => {
  const object = exportedObject(parse(file, text), objectName);
  return appendTo(text, object.properties, object.end - 1, property, indent);
};

/** Adds a reaction to `services.<service>.reactions` in the manifest. */
export const addManifestReaction = (file: string, text: string, service: string, reaction: string): string => {
  const services = exportedObject(parse(file, text), "services");
  const entry = propertyNamed(services, service);
  if (!entry || !ts.isObjectLiteralExpression(entry.initializer)) throw new Error(`${file}: no service ${service} in the manifest`);
  const reactions = propertyNamed(entry.initializer, "reactions");
  if (!reactions || !ts.isArrayLiteralExpression(reactions.initializer)) throw new Error(`${file}: ${service} has no reactions list`);
  return appendTo(text, reactions.initializer.elements, reactions.initializer.end - 1, reaction, "      ");
};

/** Adds an import line after the last import of the file. */
export const addImport = (file: string, text: string, line: string): string => {
  const imports = parse(file, text).statements.filter(ts.isImportDeclaration);
  const at = imports[imports.length - 1]?.end ?? 0;
  return `${text.slice(0, at)}\n${line}${text.slice(at)}`;
};
