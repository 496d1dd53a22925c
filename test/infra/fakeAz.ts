/**
 * Runs one of infra/scripts/*.sh with a fake `az` first on PATH: a shell `case` over the first two words of the call
 * (each branch a line of shell), anything else fails loudly. Every call is appended to a log the test can read.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ScriptRun {
  readonly code: number | null;
  readonly output: string;
  /** Each `az` call's arguments, one call per entry. */
  readonly azCalls: string[];
}

export const runWithFakeAz = async (
  script: string,
  azBranches: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string>>,
): Promise<ScriptRun> => {
  const bin = mkdtempSync(join(tmpdir(), "fake-az-"));
  const log = join(bin, "calls.log");
  const branches = Object.entries(azBranches).map(([words, body]) => `  "${words}") ${body} ;;`).join("\n");
  writeFileSync(
    join(bin, "az"),
    `#!/bin/sh\necho "$*" >> "${log}"\ncase "$1 $2" in\n${branches}\n  *) echo "unexpected az $*" >&2; exit 2 ;;\nesac\n`,
  );
  chmodSync(join(bin, "az"), 0o755);
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn("sh", [script], { env: { PATH: `${bin}:${process.env.PATH}`, ...env } });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      child.on("error", reject);
      child.on("close", (exit) => resolve({ code: exit, output }));
    });
    const azCalls = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    return { code, output, azCalls };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
};
