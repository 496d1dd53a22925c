import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(__dirname, "../../..");

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });

/** Relative imports that load code (`import type` erases itself, so it cannot close a cycle at run time). */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"(\.[^"]+)"/gms)].flatMap((m) => {
    const base = resolve(dirname(file), m[1]!);
    const target = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate));
    return target ? [target] : [];
  });

/** The first import cycle found among `files`, as the list of files it runs through, or undefined. */
const findCycle = (files: readonly string[]): string[] | undefined => {
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "open");
    for (const next of importsOf(file)) {
      const cycle = visit(next, [...path, file]);
      if (cycle) return cycle;
    }
    state.set(file, "done");
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file, []);
    if (cycle) return cycle;
  }
  return undefined;
};

describe("imports", () => {
  it("form no cycle in src/", () => {
    const cycle = findCycle(filesUnder(join(root, "src")));
    expect(cycle?.map((f) => relative(root, f)).join(" → ")).toBeUndefined();
  });
});
