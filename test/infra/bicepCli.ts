/**
 * Runs the real Bicep CLI for test/infra: found the way scripts/install-bicep.sh installs it (the repository's pinned
 * `.tools/bicep/bicep` first, then `bicep` on PATH, then the copy `az bicep install` keeps in ~/.azure/bin).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";

export interface BicepCli {
  readonly path: string;
  readonly version: string;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly level: "Error" | "Warning" | "Info";
  readonly code: string;
  readonly message: string;
}

export class BicepCliError extends Error {
  readonly code = "INFRA_TEST.BICEP_CLI";
}

/** Every invocation here takes 1-3 s; a hung CLI must not hang jest. */
const BICEP_TIMEOUT_MS = 180_000;

const versionOf = (path: string): string | undefined => {
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

const onPath = (name: string): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
};

export const findBicep = (repoRoot: string): BicepCli | undefined => {
  const candidates = [
    join(repoRoot, ".tools", "bicep", "bicep"),
    onPath("bicep"),
    join(process.env.AZURE_CONFIG_DIR ?? join(homedir(), ".azure"), "bin", "bicep"),
  ];
  for (const path of candidates) {
    if (path === undefined || !existsSync(path)) continue;
    const version = versionOf(path);
    if (version !== undefined) return { path, version };
  }
  return undefined;
};

/** Never a skip: without a CLI the infra tests fail, in CI and locally, and say how to get one. */
export const requireBicep = (repoRoot: string): BicepCli => {
  const cli = findBicep(repoRoot);
  if (cli !== undefined) return cli;
  const where = process.env.CI === "true" ? "CI has no Bicep CLI" : "No Bicep CLI found";
  throw new BicepCliError(
    `${where} (looked for .tools/bicep/bicep, bicep on PATH, ~/.azure/bin/bicep). Run \`npm run bicep:install\`.`,
  );
};

export const runBicep = (cli: BicepCli, args: readonly string[], cwd: string): RunResult => {
  const r = spawnSync(cli.path, [...args], { cwd, encoding: "utf8", timeout: BICEP_TIMEOUT_MS });
  if (r.error) throw new BicepCliError(`bicep ${args.join(" ")} failed to run: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const DIAGNOSTIC = /^(.+?)\((\d+),\d+\) : (Error|Warning|Info) ([\w-]+): (.*)$/;

/** Parses the CLI's default diagnostics format: `file(line,col) : Level code: message`. */
export const parseDiagnostics = (output: string): Diagnostic[] =>
  output.split(/\r?\n/).flatMap((line) => {
    const m = DIAGNOSTIC.exec(line.trim());
    if (!m) return [];
    const [, file = "", lineNo = "0", level = "Error", code = "", message = ""] = m;
    return [{ file, line: Number(lineNo), level: level as Diagnostic["level"], code, message }];
  });

/** Bicep literal for a .bicepparam value; JSON is a subset except for strings, which use single quotes. */
const bicepLiteral = (value: unknown): string => {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\$\{/g, "\\${")}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return `[\n${value.map(bicepLiteral).join("\n")}\n]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `'${k}': ${bicepLiteral(v)}`);
    return `{\n${entries.join("\n")}\n}`;
  }
  throw new BicepCliError(`Cannot write ${typeof value} as a Bicep literal`);
};

export interface SnapshotScope {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
}

export interface Snapshot {
  readonly predictedResources: readonly PredictedResource[];
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly diagnostics: readonly unknown[];
}

export interface PredictedResource {
  readonly id?: string;
  readonly type: string;
  readonly name: string;
  readonly location?: string;
  readonly kind?: string;
  readonly identity?: { readonly type?: string };
  readonly tags?: Readonly<Record<string, string>>;
  readonly sku?: Readonly<Record<string, unknown>>;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/**
 * `bicep snapshot` runs ARM's own template engine offline over a compiled template: copy loops and nested module
 * deployments are expanded, values known before deployment are computed, runtime values stay `[reference(...)]`.
 */
export const snapshotTemplate = (
  cli: BicepCli,
  compiledTemplatePath: string,
  params: Readonly<Record<string, unknown>>,
  scope: SnapshotScope,
): Snapshot => {
  const dir = dirname(compiledTemplatePath);
  const name = basename(compiledTemplatePath, ".json");
  const paramFile = join(dir, `${name}.bicepparam`);
  const lines = [`using './${basename(compiledTemplatePath)}'`, ...Object.entries(params).map(([k, v]) => `param ${k} = ${bicepLiteral(v)}`)];
  writeFileSync(paramFile, `${lines.join("\n")}\n`);
  const args = ["snapshot", paramFile, "--mode", "overwrite", "--subscription-id", scope.subscriptionId];
  const r = runBicep(cli, [...args, "--resource-group", scope.resourceGroup, "--location", scope.location], dir);
  const out = join(dir, `${name}.snapshot.json`);
  if (r.status !== 0 || !existsSync(out)) {
    throw new BicepCliError(`bicep snapshot of ${name} failed (${r.status}):\n${r.stdout}\n${r.stderr}`.slice(0, 4000));
  }
  return JSON.parse(readFileSync(out, "utf8")) as Snapshot;
};
