import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { findAspireDashboard } from "#dev/aspireDashboard";
import { waitFor } from "./support/localStack";

const repoRoot = path.resolve(__dirname, "../..");

/**
 * `npm start` runs the Aspire Dashboard (a .NET process) as the trace viewer. A stack killed outright (SIGKILL, a
 * terminal closed) must not leave it running and holding its ports, as the Functions hosts and Azurite do not.
 */
describe("the Aspire Dashboard ends with the process that started it", () => {
  jest.setTimeout(90_000);

  it("stops once its parent is killed with SIGKILL", async () => {
    if (!findAspireDashboard(repoRoot)) spawnSync("bash", [path.join(repoRoot, "scripts/install-aspire.sh")], { stdio: "inherit" });
    const binary = findAspireDashboard(repoRoot);
    if (!binary) throw new Error("The Aspire Dashboard is not restored and scripts/install-aspire.sh could not restore it (is dotnet installed?)");
    // A parent that starts the dashboard, prints its URL and then waits to be killed.
    const script = `
      const { startAspireDashboard } = require(${JSON.stringify(path.join(repoRoot, "dist/dev/aspireDashboard.js"))});
      startAspireDashboard({ binary: ${JSON.stringify(binary)} }).then((d) => { console.log("URL " + d.url); setInterval(() => {}, 1000); });
    `;
    const parent = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const url = await new Promise<string>((resolve, reject) => {
      parent.stdout.on("data", (chunk: Buffer) => {
        const match = /URL (\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      parent.on("exit", (code) => reject(new Error(`parent exited with ${code} before the dashboard answered`)));
    });
    const answers = () => fetch(`${url}/api/telemetry/traces`).then((r) => r.ok, () => false);
    expect(await answers()).toBe(true);

    parent.kill("SIGKILL");
    await waitFor(async () => ((await answers()) ? undefined : true), { description: "the dashboard to stop after its parent died", timeoutInMs: 15_000 });
  });
});
