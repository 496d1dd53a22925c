import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { isEventType } from "#src/events/catalog";

/**
 * What a service's code can publish, read from its source: every object literal `{ type: "<event type>", … }` in a
 * file. Events are built as literals (the `NewEvent` union forces a literal `type`), so this finds them without
 * running anything; it over-approximates when a helper file builds events for several reactions, which errs safe.
 */
export const servicesRoot = path.resolve(__dirname, "../../../src/services");

const builtIn = (file: string): Set<string> => {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const found = new Set<string>();
  const visit = (node: ts.Node) => {
    if (
      ts.isPropertyAssignment(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === "type" &&
      ts.isStringLiteralLike(node.initializer) &&
      isEventType(node.initializer.text)
    ) {
      found.add(node.initializer.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

/** Files of the same service folder a file imports, transitively (other folders cannot publish for this service). */
const closureInService = (file: string): string[] => {
  const folder = path.dirname(file);
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const source = ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.ES2022, true);
    for (const statement of source.statements) {
      if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || !statement.moduleSpecifier) continue;
      const spec = (statement.moduleSpecifier as ts.StringLiteral).text;
      const target = `${path.resolve(path.dirname(f), spec)}.ts`;
      if (spec.startsWith(".") && path.dirname(target) === folder && existsSync(target)) visit(target);
    }
  };
  visit(file);
  return [...seen];
};

export const reactionSourceFile = (service: string, reaction: string): string => path.join(servicesRoot, service, `${reaction}.ts`);

/** Event types the reaction's file and the files of its service it imports build. */
export const eventTypesBuiltByReaction = (service: string, reaction: string): string[] =>
  [...new Set(closureInService(reactionSourceFile(service, reaction)).flatMap((f) => [...builtIn(f)]))].sort();

/** Event types built anywhere in a service's folder (reactions and HTTP functions). */
export const eventTypesBuiltByService = (service: string): string[] => {
  const folder = path.join(servicesRoot, service);
  const files = readdirSync(folder).filter((f) => f.endsWith(".ts")).map((f) => path.join(folder, f));
  return [...new Set(files.flatMap((f) => [...builtIn(f)]))].sort();
};
