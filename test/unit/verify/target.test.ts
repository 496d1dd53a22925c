import http from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closeServer, listen } from "@azure-choreography/server-kit";
import { runVerification } from "#scripts/verify/run";
import { outsideAnswersFrom } from "#scripts/verify/scenarios";
import { parseDotEnv } from "#scripts/lib/azdEnvironment";
import { TargetError, VerifyTarget, resolveTarget } from "#scripts/verify/target";

describe("verify's targets", () => {
  it("reads an azd environment's .env file as azd writes it", () => {
    expect(parseDotEnv('AZURE_RESOURCE_GROUP="rg-choreo"\nAPI_CLIENT_ID=abc\n# comment\n\nEMPTY=""\n')).toEqual({ AZURE_RESOURCE_GROUP: "rg-choreo", API_CLIENT_ID: "abc", EMPTY: "" });
  });

  it("says what is missing: no running stack, an unknown environment, an environment without the API's app id", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "verify-target-"));
    try {
      await expect(resolveTarget(undefined, root)).rejects.toThrow(/No running stack found .*npm start/);
      await expect(resolveTarget("prod", root)).rejects.toThrow(TargetError);
      await expect(resolveTarget("prod", root)).rejects.toThrow(/neither a URL nor an azd environment \(\.azure\/prod\/\.env is missing\)/);
      mkdirSync(path.join(root, ".azure", "dev"), { recursive: true });
      writeFileSync(path.join(root, ".azure", "dev", ".env"), 'AZURE_RESOURCE_GROUP="rg"\n');
      await expect(resolveTarget("dev", root)).rejects.toThrow(/has no API_CLIENT_ID/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a URL is one host serving every service, /api or not", async () => {
    const target = await resolveTarget("http://127.0.0.1:7071/api", "/nowhere");
    expect(target.urlOf("orders")).toBe("http://127.0.0.1:7071");
    expect(target.urlOf("journal")).toBe("http://127.0.0.1:7071");
    expect(target.requiresToken).toBe(false);
  });
});

describe("verify on a target that must require a token", () => {
  const serve = async (status: number) => {
    const server = http.createServer((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end("{}"));
    const { baseUrl } = await listen(server, 0, "127.0.0.1");
    const target: VerifyTarget = { label: "fake", urlOf: () => baseUrl, headers: async () => ({}), deadlineOf: () => 1000, requiresToken: true };
    return { server, target };
  };

  it.each([
    [200, false, /without a token answered 200, expected 401/],
    [401, true, /answered 401/],
  ])("an API answering %i to a caller without a token: passes = %s", async (status, ok, detail) => {
    const { server, target } = await serve(status);
    try {
      const [row] = await runVerification(target, { answers: outsideAnswersFrom({}), flows: [] });
      expect(row).toMatchObject({ flow: "api", ok, detail: expect.stringMatching(detail) });
    } finally {
      await closeServer(server);
    }
  });
});
