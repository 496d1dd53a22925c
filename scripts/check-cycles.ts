import { existsSync } from "node:fs";
import path from "node:path";
import madge = require("madge");

/** Where the project's own TypeScript lives; each folder's imports are followed wherever they lead. */
export const SOURCE_ROOTS = ["src", "packages", "dev", "scripts"] as const;

/**
 * Import cycles among the project's TypeScript files (type-only imports left out: they vanish at run time), each as
 * the files of the circle in order. A circle means two files cannot be read, tested or moved apart.
 */
export const findImportCycles = async (root: string): Promise<string[][]> => {
  const tsConfig = path.join(root, "tsconfig.json");
  const graph = await madge(
    SOURCE_ROOTS.map((dir) => path.join(root, dir)).filter((dir) => existsSync(dir)),
    {
      fileExtensions: ["ts"],
      ...(existsSync(tsConfig) ? { tsConfig } : {}),
      excludeRegExp: [/node_modules/, /(^|\/)dist\//, /\.d\.ts$/],
      detectiveOptions: { ts: { skipTypeImports: true } },
    },
  );
  return graph.circular();
};

if (require.main === module) {
  const root = path.resolve(__dirname, "../..");
  findImportCycles(root).then(
    (cycles) => {
      if (cycles.length === 0) {
        console.log(`import cycles: none in ${SOURCE_ROOTS.join(", ")}`);
        return;
      }
      console.error(`import cycles: ${cycles.length}\n  ${cycles.map((c) => [...c, c[0]].join(" → ")).join("\n  ")}`);
      process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(`import cycles: could not read the imports: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
