/**
 * The deployment package (`npm run package` → .artifacts/functionapp.zip), tested the way Azure uses it: unzipped into
 * an empty folder and loaded there, one service per process (SERVICES=<service>), through the local host's
 * `@azure/functions-core` capture, so each service must register exactly its manifest functions from the zip alone.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { findRepoRoot } from "#scripts/gen-infra";
import { PackageResult, buildPackage } from "#scripts/package";
import { ServiceName, functionNameOf, serviceNames, services, timersOf } from "#src/topology";
import { compiledAppSettings } from "../infra/compiledAppSettings";
import { ZipListing, unzip } from "./zipReader";

const root = findRepoRoot(__dirname);
// The local Functions host (packages/functions-host), standing in for Azure's host.
const localHost = require.resolve("@azure-choreography/functions-host");
const run = promisify(execFile);

// Runs in a fresh process per service (one host per process, as in Azure): starts the local host on the unzipped app,
// prints what registered and every loaded module that came from outside the package and the host's own code.
const loader = `
const [hostModule, appRoot] = process.argv.slice(1);
const { startFunctionsHost, silentLog } = require(hostModule);
// The local host and the packages it uses (packages/*/dist), standing in for Azure's host, and what they load (croner).
const hostDir = require("node:path").resolve(require("node:path").dirname(hostModule), "../..");
const hostModules = new Set(Object.keys(require.cache));
startFunctionsHost({ appRoot, port: 0, bind: "127.0.0.1", disableTimers: true, log: silentLog, env: process.env })
  .then(async (host) => {
    const outside = Object.keys(require.cache).filter((f) => !f.startsWith(appRoot + "/") && !f.startsWith(hostDir + "/") && !hostModules.has(f));
    process.stdout.write(JSON.stringify({ functions: host.functions.map((f) => f.name), outside }));
    await host.close();
    process.exit(0);
  })
  .catch((e) => { console.error((e && e.stack) || String(e)); process.exit(1); });
`;

interface Loaded {
  readonly service: ServiceName;
  readonly functions: string[];
  readonly outside: string[];
  /** Why the app did not start (its stderr), when it did not. */
  readonly failure?: string;
}

const manifestFunctions = (service: ServiceName): string[] => {
  const spec = services[service];
  return [...spec.reactions, ...spec.http, ...timersOf(service)].map((f) => functionNameOf(service, f.name)).sort();
};

const inBatches = async <T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
};

let result: PackageResult;
let appRoot: string;
let listing: ZipListing[];
let loaded: Loaded[];
let settingsBySite: Record<string, Record<string, string>>;

beforeAll(async () => {
  if (!existsSync(localHost)) throw new Error(`${relative(root, localHost)} is missing: run \`npm run build\` first`);
  result = await buildPackage(root);
  appRoot = realpathSync(mkdtempSync(join(tmpdir(), "functionapp-")));
  listing = unzip(result.zipPath, appRoot);
  const total = listing.reduce((n, e) => n + e.size, 0);
  console.log(
    `${relative(root, result.zipPath)}: ${(result.bytes / 1024 / 1024).toFixed(1)} MB compressed, ` +
      `${(total / 1024 / 1024).toFixed(1)} MB unpacked, ${listing.length} files`,
  );
  // Exactly what main.bicep gives each site (deploy-time values stubbed), plus PATH: nothing the code validates at start
  // may come from anywhere else.
  settingsBySite = compiledAppSettings(root);
  loaded = await inBatches(serviceNames, 3, async (service): Promise<Loaded> => {
    try {
      const { stdout } = await run(process.execPath, ["-e", loader, localHost, appRoot], {
        cwd: appRoot,
        env: { PATH: process.env.PATH, ...settingsBySite[service] },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return { service, ...(JSON.parse(stdout) as Omit<Loaded, "service">) };
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? error).trim().split("\n")[0] ?? "";
      return { service, functions: [], outside: [], failure: stderr };
    }
  });
}, 900_000);

afterAll(() => {
  if (appRoot) rmSync(appRoot, { recursive: true, force: true });
});

describe("the deployment package", () => {
  it("starts every service's app with exactly the settings the compiled main.bicep gives its site", () => {
    expect(Object.keys(settingsBySite).sort()).toEqual([...serviceNames].sort());
    expect(loaded.filter((l) => l.failure !== undefined).map((l) => `${l.service}: ${l.failure}`)).toEqual([]);
  });

  it("loads in every service's app from an empty folder and registers exactly that service's manifest functions", () => {
    expect(loaded.map((l) => l.service)).toEqual(serviceNames);
    for (const l of loaded) expect({ service: l.service, functions: [...l.functions].sort() }).toEqual({ service: l.service, functions: manifestFunctions(l.service) });
  });

  it("resolves every module the app loads from inside the package", () => {
    expect(loaded.flatMap((l) => l.outside.map((f) => `${l.service}: ${f}`))).toEqual([]);
  });

  it("holds host.json, a package.json whose main is in the package, and compiled app code only", () => {
    const names = listing.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(["host.json", "package.json"]));
    expect(readFileSync(join(appRoot, "host.json"), "utf8")).toBe(readFileSync(join(root, "host.json"), "utf8"));
    const pkg = JSON.parse(readFileSync(join(appRoot, "package.json"), "utf8")) as Record<string, unknown>;
    expect(names).toContain(pkg.main);
    expect(pkg).not.toHaveProperty("devDependencies");
    expect(pkg).not.toHaveProperty("scripts");
    const outsideRoots = [...new Set(names.map((n) => n.split("/")[0]))].sort();
    expect(outsideRoots).toEqual(["dist", "host.json", "node_modules", "package.json"]);
    const app = names.filter((n) => n.startsWith("dist/"));
    expect(app.filter((n) => !n.startsWith("dist/src/") || !n.endsWith(".js"))).toEqual([]);
    expect(app.filter((n) => /\.test\.js$/.test(n))).toEqual([]);
  });

  it("holds no package that only development needs (per package-lock.json) nor their typings, source maps or .bin links", () => {
    const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => path !== "" && p.dev === true).map(([path]) => `${path}/`);
    expect(devOnly).toEqual(expect.arrayContaining(["node_modules/jest/", "node_modules/typescript/", "node_modules/azurite/"]));
    const names = listing.map((e) => e.name);
    expect(names.filter((n) => devOnly.some((d) => n.startsWith(d)))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    // A devDependency may also be a production dependency's dependency (the lock then does not mark it dev).
    const shipped = Object.keys(pkg.devDependencies).filter((d) => names.some((n) => n.startsWith(`node_modules/${d}/`)));
    for (const d of shipped) expect(`${d}: ${String(lock.packages[`node_modules/${d}`]?.dev)}`).toBe(`${d}: undefined`);
    expect(names.filter((n) => /\.d\.[cm]?ts$|\.map$/.test(n) || n.includes("/.bin/"))).toEqual([]);
  });
});

describe("production code and the local stack", () => {
  // Import and export statements' sources, require() and import() calls; not a "from" inside a comment.
  const importsOf = (file: string): string[] =>
    [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']|\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/gm)].map(
      (m) => m[1] ?? m[2] ?? "",
    );

  const sourceFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
    );

  it("src/ imports only itself, Node's modules and the package's production dependencies, so src/ is what ships", () => {
    const src = join(root, "src");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const shipped = (spec: string): boolean => {
      const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? spec);
      return spec.startsWith("node:") || name in pkg.dependencies;
    };
    const offending = sourceFiles(src).flatMap((f) =>
      importsOf(f)
        .filter((spec) => (spec.startsWith(".") ? !join(f, "..", spec).startsWith(src + sep) : !shipped(spec)))
        .map((spec) => `${relative(root, f)} imports ${spec}`),
    );
    expect(offending).toEqual([]);
    expect(importsOf(join(src, "index.ts")).length).toBeGreaterThan(0);
  });
});
