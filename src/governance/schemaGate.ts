import { execFileSync } from "node:child_process";
import { JsonSchema, breakingChanges } from "../events/compatibility";

/**
 * The breaking-change gate. Rule: every version of docs/event-schemas.json committed since the contract epoch on the
 * history of HEAD (which contains the merge base with `main`) must be compatible with the schemas the code produces
 * now, for every event type both contain. A type once published can never change
 * incompatibly; the only way through is a new `.vN` type.
 *
 * Why all of history and not only the merge base: on a fresh clone of main (CI) HEAD *is* the merge base, so a
 * breaking commit pushed to main would compare with itself and pass. Every earlier version still has it beaten.
 * Why from git and not the working tree: regenerating the docs rewrites the working-tree file, and the gate must not
 * be something the change under test can rewrite. Not main's tip: a branch behind main would fail for changes it has
 * not merged yet; they are judged when they meet on main.
 */
export const SCHEMAS_PATH = "docs/event-schemas.json";

/**
 * The commit that introduced the gate. Earlier versions predate any deployment (JPY was dropped from `currency` before
 * the first release), so they are not a contract. Moving this forward would be the one way to talk the gate out of a
 * break: it is a reviewed constant, not a flag.
 */
export const CONTRACT_EPOCH = "c7a8d53007be92dda9d7aadc3085756b58f7f990";

export class SchemaHistoryUnavailableError extends Error {
  override readonly name = "SchemaHistoryUnavailableError";
}

export interface SchemaVersion {
  /** The newest commit that wrote this version (or the epoch, for the version it holds). */
  readonly origin: string;
  readonly schemas: Record<string, JsonSchema>;
}

export interface GateReport {
  readonly versionsChecked: number;
  readonly mergeBase: string | undefined;
  readonly breaking: readonly string[];
}

/** Pure part of the gate: every finding names the version it breaks, the type and the field. */
export const breakingAgainstHistory = (versions: readonly SchemaVersion[], current: Record<string, JsonSchema>): string[] =>
  versions.flatMap(({ origin, schemas }) =>
    Object.keys(schemas)
      .filter((type) => type in current)
      .flatMap((type) => breakingChanges(schemas[type]!, current[type]!).map((change) => `${type} ${change} (vs ${origin.slice(0, 12)})`)),
  );

const git = (repo: string, args: string[]): string => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const tryGit = (repo: string, args: string[]): string | undefined => {
  try {
    return git(repo, args).trim();
  } catch {
    return undefined;
  }
};

/** Every committed version of the schemas from the epoch to HEAD, deduplicated by content. */
export const readSchemaHistory = (repo: string, epoch = CONTRACT_EPOCH): { versions: SchemaVersion[]; mergeBase: string | undefined } => {
  if (tryGit(repo, ["rev-parse", "--git-dir"]) === undefined) {
    throw new SchemaHistoryUnavailableError(`${repo} is not a git repository: the breaking-change gate reads the schema history from git`);
  }
  const epochCommit = tryGit(repo, ["rev-parse", "--verify", "--quiet", `${epoch}^{commit}`]);
  const shallow = tryGit(repo, ["rev-parse", "--is-shallow-repository"]) === "true";
  if (epochCommit === undefined || tryGit(repo, ["merge-base", "--is-ancestor", epochCommit, "HEAD"]) === undefined) {
    throw new SchemaHistoryUnavailableError(
      shallow
        ? `this is a shallow clone without the contract epoch ${epoch.slice(0, 12)}: run \`git fetch --unshallow\` (CI: actions/checkout with fetch-depth: 0) so the breaking-change gate can read every published schema`
        : `the contract epoch ${epoch.slice(0, 12)} is not an ancestor of HEAD: was history rewritten? The gate cannot tell what was published`,
    );
  }
  // `--raw` lists the blob each commit gave the file; the epoch itself is included (`epoch^..` would miss a root).
  const log = git(repo, ["log", "-m", "--format=%H", "--raw", "--no-abbrev", "HEAD", "--not", ...parentsOf(repo, epochCommit), "--", SCHEMAS_PATH]);
  const blobs = new Map<string, string>();
  let commit = "";
  for (const line of log.split("\n")) {
    if (/^[0-9a-f]{40}$/.test(line)) commit = line;
    const raw = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) [AMT]\t/.exec(line);
    if (raw && !blobs.has(raw[1]!)) blobs.set(raw[1]!, commit);
  }
  // The epoch commit may not touch the file; the version it holds is still part of the contract.
  const atEpoch = tryGit(repo, ["rev-parse", "--verify", "--quiet", `${epochCommit}:${SCHEMAS_PATH}`]);
  if (atEpoch && !blobs.has(atEpoch)) blobs.set(atEpoch, epochCommit);
  const mergeBase = tryGit(repo, ["merge-base", "HEAD", "main"]) ?? tryGit(repo, ["merge-base", "HEAD", "origin/main"]);
  const versions = [...blobs].map(([blob, origin]) => ({ origin, schemas: JSON.parse(git(repo, ["cat-file", "blob", blob])) as Record<string, JsonSchema> }));
  return { versions, mergeBase };
};

const parentsOf = (repo: string, commit: string): string[] =>
  git(repo, ["rev-list", "--parents", "-n", "1", commit]).trim().split(" ").slice(1);

export const runSchemaGate = (repo: string, current: Record<string, JsonSchema>, epoch = CONTRACT_EPOCH): GateReport => {
  const { versions, mergeBase } = readSchemaHistory(repo, epoch);
  return { versionsChecked: versions.length, mergeBase, breaking: breakingAgainstHistory(versions, current) };
};
