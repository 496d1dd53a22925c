/**
 * `npm run package`: the one deployment package every Function App runs (.artifacts/functionapp.zip, which azure.yaml
 * deploys to every service).
 * The app is compiled with tsconfig.package.json (src only: what ships; no dev/, packages/, scripts or tests); production
 * dependencies are installed clean with `npm ci --omit=dev` from package.json + package-lock.json into a cache folder
 * keyed by their hash, never pruned from the developer's tree, so the package holds what Azure will run and nothing else.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { PACKAGE_PATH, findRepoRoot } from "./gen-infra";

export class PackageError extends Error {
  readonly code = "PACKAGE.FAILED";
}

export interface PackageResult {
  readonly zipPath: string;
  readonly bytes: number;
  readonly entries: number;
  /** False when the production install came from an earlier run's cache (same package.json + lock). */
  readonly installedDependencies: boolean;
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  main: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: unknown;
}

interface ZipEntry {
  /** Path inside the archive, `/`-separated, no leading slash. */
  readonly name: string;
  /** File on disk whose bytes become the entry. */
  readonly source: string;
}

// Type declarations and source maps of dependencies are never loaded at run time (Node reads a .map only with
// --enable-source-maps, and then a missing one is skipped): leaving them out halves the number of files to unpack.
const NOT_RUNTIME = /\.d\.[cm]?ts$|\.map$/;

const run = (command: string, args: readonly string[], cwd: string): void => {
  const r = spawnSync(command, [...args], { cwd, encoding: "utf8", shell: process.platform === "win32" });
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? `exit ${r.status}`;
    throw new PackageError(`${command} ${args.join(" ")} failed (${why}):\n${r.stdout ?? ""}${r.stderr ?? ""}`.slice(0, 4000));
  }
};

/** Every file under `dir` as archive names below `prefix`; links (npm's .bin shims) are not part of a package. */
const filesUnder = (
  dir: string,
  prefix: string,
  skipDir: (name: string) => boolean = () => false,
  skipFile: (name: string) => boolean = () => false,
): ZipEntry[] => {
  const out: ZipEntry[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        if (!skipDir(name)) walk(path);
      } else if (stat.isFile() && !skipFile(name)) {
        out.push({ name: `${prefix}/${relative(dir, path).split(sep).join("/")}`, source: path });
      }
    }
  };
  walk(dir);
  return out;
};

// Every entry is a regular 0644 file dated 1980-01-01 00:00 (local time, which is what ZIP's DOS date field holds; no
// UTC "UT" extra field, whose value would then differ by time zone): the same inputs give a byte-identical archive.
const ENTRY_OPTIONS = { mtime: new Date(1980, 0, 1), mode: 0o100644, compressionLevel: 9, forceDosTimestamp: true };
// A plain ZIP's limit; yazl would switch to ZIP64 beyond it, which not every unzip understands.
const MAX_ENTRIES = 0xffff;

/** Writes the archive with yazl (deflate, no directory entries, ZIP64 only past 4 GiB); resolves to its size in bytes. */
const writeZip = async (outPath: string, entries: readonly ZipEntry[]): Promise<number> => {
  if (entries.length > MAX_ENTRIES) throw new PackageError(`${entries.length} files exceed the ${MAX_ENTRIES} a plain ZIP holds`);
  const zip = new ZipFile();
  for (const entry of entries) zip.addFile(entry.source, entry.name, ENTRY_OPTIONS);
  zip.end();
  const out = createWriteStream(outPath);
  await pipeline(zip.outputStream, out);
  return out.bytesWritten;
};

/** `npm ci --omit=dev` into `.artifacts/prod-deps-<hash>`, reused while package.json's dependencies and the lock are unchanged. */
const installProductionDependencies = (root: string, artifacts: string, pkg: PackageJson): { dir: string; installed: boolean } => {
  const lock = readFileSync(join(root, "package-lock.json"));
  const key = createHash("sha256")
    .update(lock)
    .update(JSON.stringify([pkg.dependencies, pkg.devDependencies, pkg.overrides, process.platform, process.arch]))
    .digest("hex")
    .slice(0, 16);
  const dir = join(artifacts, `prod-deps-${key}`);
  if (existsSync(join(dir, "node_modules"))) return { dir, installed: false };
  for (const old of readdirSync(artifacts).filter((n) => n.startsWith("prod-deps-"))) {
    rmSync(join(artifacts, old), { recursive: true, force: true });
  }
  const pending = `${dir}.pending`;
  mkdirSync(pending, { recursive: true });
  writeFileSync(join(pending, "package.json"), readFileSync(join(root, "package.json")));
  writeFileSync(join(pending, "package-lock.json"), lock);
  // --ignore-scripts: no production dependency needs an install script, and none should run on a build machine.
  run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], pending);
  // Renamed only when complete: an interrupted install is never mistaken for a cached one.
  renameSync(pending, dir);
  return { dir, installed: true };
};

export const buildPackage = async (root: string = findRepoRoot(__dirname)): Promise<PackageResult> => {
  const artifacts = join(root, ".artifacts");
  const staging = join(artifacts, "package");
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;
  run(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [root] }), "-p", "tsconfig.package.json"], root);
  const deps = installProductionDependencies(root, artifacts, pkg);

  // What the host reads: `main` and the dependencies; no scripts or devDependencies that could tempt a remote build.
  const deployed = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    private: true,
    main: pkg.main,
    engines: pkg.engines,
    dependencies: pkg.dependencies,
  };
  writeFileSync(join(staging, "package.json"), `${JSON.stringify(deployed, null, 2)}\n`);
  writeFileSync(join(staging, "host.json"), readFileSync(join(root, "host.json")));

  const entries = [
    { name: "host.json", source: join(staging, "host.json") },
    { name: "package.json", source: join(staging, "package.json") },
    ...filesUnder(join(staging, "dist"), "dist"),
    ...filesUnder(join(deps.dir, "node_modules"), "node_modules", (name) => name === ".bin", (name) => NOT_RUNTIME.test(name)),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!entries.some((e) => e.name === pkg.main)) throw new PackageError(`main ${pkg.main} was not compiled into the package`);

  const zipPath = join(root, PACKAGE_PATH);
  const bytes = await writeZip(zipPath, entries);
  return { zipPath, bytes, entries: entries.length, installedDependencies: deps.installed };
};

if (require.main === module) {
  buildPackage().then(
    (r) => {
      const mb = (r.bytes / 1024 / 1024).toFixed(1);
      const deps = r.installedDependencies ? "production dependencies installed" : "production dependencies from cache";
      console.log(`${relative(process.cwd(), r.zipPath)}: ${mb} MB, ${r.entries} files (${deps})`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
