import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { flowNames } from "#src/flows";
import { scenarios } from "#scripts/verify/scenarios";
import { TestStack, repoRoot, runCommand, startLocalStackForTests } from "./support/localStack";

const run = promisify(execFile);
const verifyCli = path.join(repoRoot, "dist/scripts/verify.js");

/** `npm run verify` as a user runs it, against the test stack; never throws, whatever the exit code. */
const verify = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => runCommand(process.execPath, [verifyCli, ...args], { env });

describe("npm run verify against a running stack", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startLocalStackForTests();
  }, 90_000);
  afterAll(() => stack?.stop());

  const total = flowNames.reduce((n, f) => n + scenarios[f].length, 0);

  it("passes every scenario of every flow of src/flows.ts, success and failure paths alike", async () => {
    const { code, out } = await verify(["--target", stack.apiUrl, "--timeout-ms", "30000"]);
    expect({ code, out }).toEqual({ code: 0, out: expect.stringContaining(`${total} passed, 0 failed`) });
    for (const f of flowNames) for (const s of scenarios[f]) expect(out).toMatch(new RegExp(`PASS\\s+${f}\\s+${s.name.replace(/[()+.]/g, "\\$&")}`));
  }, 150_000);

  it("fails, naming the scenario and the fact, when a flow is broken: a gateway that declines every card", async () => {
    const { code, out } = await verify(["--target", stack.apiUrl, "--flow", "order", "--timeout-ms", "30000"], { VERIFY_CARD_ACCEPTED: "tok_decline" });
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL\s+order\s+confirmed: stock reserved, card charged, invoice sent.*order is Cancelled .*expected Confirmed/);
    expect(out).toMatch(/PASS\s+order\s+card declined/);
  }, 150_000);

  it("npm run demo runs each flow's success path and prints its timeline from the journal", async () => {
    const { stdout } = await run(process.execPath, [path.join(repoRoot, "dist/scripts/ops/demo.js")], {
      env: { ...process.env, DEMO_API_URL: stack.apiUrl, LOCAL_DATA_DIR: path.join(repoRoot, ".artifacts", "no-stack-here") },
      timeout: 120_000,
    });
    flowNames.forEach((flow, i) => expect(stdout).toContain(`${i + 1}. ${flow}: `));
    for (const outcome of ["Orders.OrderConfirmed.v1", "Users.UserOnboarded.v1", "Notifications.UserNotified.v1"]) expect(stdout).toMatch(new RegExp(`\\+\\s*\\d+ ms  ${outcome.replace(/\./g, "\\.")}`));
  }, 150_000);

  it("refuses a bad flag or an unknown flow with one line and exit code 2", async () => {
    expect(await verify(["--bogus"])).toEqual({ code: 2, out: expect.stringMatching(/^verify: unknown flag --bogus \(known: --target --flow --timeout-ms --json --help\)/) });
    expect(await verify(["--target", stack.apiUrl, "--flow", "shipping"])).toEqual({ code: 2, out: expect.stringMatching(/^verify: --flow: unknown flow\(s\) shipping; known: order, onboarding, topUp/) });
  }, 60_000);
});
