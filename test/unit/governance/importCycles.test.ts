import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findImportCycles } from "#scripts/check-cycles";

/** A throw-away tree of TypeScript files: path → source. */
const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(path.join(tmpdir(), "cycles-"));
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  }
  return root;
};

describe("import cycle check (npm run gates)", () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  it("names the files of a circle, also across the project's folders", async () => {
    const root = tree({
      "src/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
      "src/b.ts": 'import { c } from "../dev/c";\nexport const b = () => c;\n',
      "dev/c.ts": 'import { a } from "../src/a";\nexport const c = () => a;\n',
    });
    roots.push(root);
    const cycles = await findImportCycles(root);
    expect(cycles).toHaveLength(1);
    expect([...(cycles[0] ?? [])].sort()).toEqual(["dev/c.ts", "src/a.ts", "src/b.ts"]);
  });

  it("leaves out type-only imports, which vanish at run time", async () => {
    const root = tree({
      "src/a.ts": 'import type { B } from "./b";\nexport interface A { b?: B }\n',
      "src/b.ts": 'import { type A } from "./a";\nexport interface B { a?: A }\nexport const b = 1;\n',
    });
    roots.push(root);
    expect(await findImportCycles(root)).toEqual([]);
  });
});
