/**
 * Every command line goes through node:util's parseArgs (server-kit's commandLine.ts): each CLI's parser refuses a bad flag
 * with one line naming it, and each built CLI exits 2 with that line and its usage, before starting anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseStartArgs } from "#dev/startArgs";
import { parseBenchArgs } from "#scripts/bench/args";
import { parseChaosArgs } from "#scripts/chaos/args";
import { OPTIONS as deadLetterOptions } from "#scripts/dead-letters";
import { UsageError, parseFlags } from "@azure-choreography/server-kit";
import { parseCliArgs } from "#scripts/ops/cli";
import { parseBenchReplayArgs } from "#scripts/ops/bench-replay";
import { OPTIONS as poisonOptions } from "#scripts/poison";

const root = path.resolve(__dirname, "../..");

/** The error a parse throws: a UsageError whose message is one line. */
const refusal = (parse: () => unknown): string => {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("the parse accepted it");
};

describe("parseFlags (node:util parseArgs, strict)", () => {
  const options = { since: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

  it("reads --name value, --name=value and switches", () => {
    expect(parseFlags(["--since", "2h", "--json"], options).values).toEqual({ since: "2h", json: true });
    expect(parseFlags(["--since=2h", "-h"], options).values).toEqual({ since: "2h", help: true });
  });

  it("says in one line what is wrong, naming the flag", () => {
    expect(refusal(() => parseFlags(["--bogus"], options))).toBe("unknown flag --bogus (known: --since --json --help)");
    expect(refusal(() => parseFlags(["-x"], options))).toBe("unknown flag -x (known: --since --json --help)");
    expect(refusal(() => parseFlags(["--since"], options))).toBe("--since needs a value");
    // parseArgs's own message here spans three lines.
    expect(refusal(() => parseFlags(["--since", "--json"], options))).toBe("--since needs a value");
    expect(refusal(() => parseFlags(["--json=yes"], options))).toBe("--json takes no value");
    expect(refusal(() => parseFlags(["list"], options))).toBe("unexpected argument 'list'");
    expect(parseFlags(["list"], options, true).positionals).toEqual(["list"]);
  });
});

describe("npm run bench", () => {
  it("reads its flags", () => {
    expect(parseBenchArgs(["--quick", "--only", "order", "--steps=1,2"])).toMatchObject({ quick: true, flows: ["order"], steps: [1, 2], durationS: 3 });
  });

  it("refuses a bad flag in one line", () => {
    expect(refusal(() => parseBenchArgs(["--quikc"]))).toBe("unknown flag --quikc (known: --quick --duration --steps --repeats --json --only)");
    expect(refusal(() => parseBenchArgs(["--duration"]))).toBe("--duration needs a value");
    expect(refusal(() => parseBenchArgs(["--steps", "0"]))).toBe("--steps must be integers from 1 to 64");
    expect(refusal(() => parseBenchArgs(["order"]))).toBe("unexpected argument 'order'");
  });
});

describe("npm run chaos", () => {
  it("reads its flags", () => {
    const args = parseChaosArgs(["--short", "--seed", "7", "--json", "out.json", "--verbose"]);
    expect(args).toMatchObject({ options: { seed: 7 }, json: "out.json", verbose: true, help: false });
    expect(parseChaosArgs(["-h"]).help).toBe(true);
  });

  it("refuses a bad flag in one line", () => {
    expect(refusal(() => parseChaosArgs(["--flow", "3"]))).toMatch(/^unknown flag --flow \(known: --flows /);
    expect(refusal(() => parseChaosArgs(["--flows", "x"]))).toBe("--flows needs a whole number ≥ 0, got x");
    expect(refusal(() => parseChaosArgs(["--retry-scale", "2"]))).toBe("--retry-scale must be in (0, 1], got 2");
  });
});

describe("npm run dead-letters and npm run poison", () => {
  it("read a command, its argument and their flags", () => {
    expect(parseCliArgs(["show", "blob-1", "--since", "2h", "--json"], deadLetterOptions)).toEqual({
      command: "show",
      positional: ["blob-1"],
      values: { since: "2h", json: true },
      help: false,
    });
    expect(parseCliArgs(["list", "--help"], poisonOptions).help).toBe(true);
  });

  it("refuse a flag of the other tool in one line", () => {
    expect(refusal(() => parseCliArgs(["list", "--service", "orders"], deadLetterOptions))).toMatch(/^unknown flag --service \(known: --reason .* --subscription .*\)$/);
    expect(refusal(() => parseCliArgs(["list", "--subscription", "s"], poisonOptions))).toMatch(/^unknown flag --subscription \(known: --reason .* --service .*\)$/);
    expect(refusal(() => parseCliArgs(["discard", "--why"], poisonOptions))).toBe("--why needs a value");
  });
});

describe("npm start", () => {
  it("reads its switches and port flags", () => {
    expect(parseStartArgs(["--fresh", "--host-per-service", "--dev-port=0"], {})).toMatchObject({ fresh: true, hostPerService: true, func: false, ports: { dev: 0, functions: 7081 } });
  });

  it("refuses a bad flag in one line (it used to ignore one)", () => {
    expect(refusal(() => parseStartArgs(["--fersh"], {}))).toMatch(/^unknown flag --fersh \(known: --func --host-per-service --fresh --verbose --help --cosmos-port /);
    expect(refusal(() => parseStartArgs(["--cosmos-port"], {}))).toBe("--cosmos-port needs a value");
  });
});

describe("bench-replay", () => {
  it("reads N and refuses a flag in one line", () => {
    expect(parseBenchReplayArgs([])).toBe(100);
    expect(parseBenchReplayArgs(["20"])).toBe(20);
    expect(refusal(() => parseBenchReplayArgs(["--count", "20"]))).toBe("unknown flag --count (this command takes no flags)");
    expect(refusal(() => parseBenchReplayArgs(["many"]))).toBe("N must be a whole number ≥ 1, got 'many'");
  });
});

describe("each built command line", () => {
  const clis = [
    "dev/start.js",
    "scripts/bench.js",
    "scripts/chaos.js",
    "scripts/dead-letters.js list",
    "scripts/poison.js list",
    "scripts/gen-infra.js",
    "scripts/gen-docs.js",
    "scripts/ops/bench-replay.js",
  ];

  it.each(clis)("%s --bogus exits 2 with one line naming the flag, then its usage", (cli) => {
    const [script = "", ...args] = cli.split(" ");
    const file = path.join(root, "dist", script);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    const run = spawnSync(process.execPath, [file, ...args, "--bogus"], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect({ status: run.status, stdout: run.stdout, firstLine: run.stderr.split("\n")[0] }).toEqual({
      status: 2,
      stdout: "",
      firstLine: expect.stringMatching(/^unknown flag --bogus \((known: --|this command takes no flags)/),
    });
  });
});
