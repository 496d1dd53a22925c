import { startDevServer, type DevServer } from "#dev/devServer";
import { sendJson, type Simulator } from "#dev/simulators/types";

const echo = (resets: string[]): Simulator => ({
  name: "echo",
  basePath: "/dev/echo",
  endpoints: [{ method: "POST", path: "/dev/echo/say", description: "echoes the body" }],
  reset: () => void resets.push("echo"),
  handle: async (req, res, url, body) => {
    if (url.pathname === "/dev/echo/say") {
      sendJson(res, 200, { method: req.method, bytes: body.length, text: body.toString("utf8").slice(0, 20) });
      return true;
    }
    if (url.pathname === "/dev/echo/boom") throw new Error("simulator bug");
    return false;
  },
});

const nested: Simulator = {
  name: "nested",
  basePath: "/dev/echo/deeper",
  handle: async (_req, res) => {
    sendJson(res, 200, { from: "nested" });
    return true;
  },
};

const strict: Simulator = {
  name: "strict",
  basePath: "/dev/strict",
  endpoints: [
    { method: "GET", path: "/dev/strict/items/{itemId}", description: "one item" },
    { method: "PUT", path: "/dev/strict/items/{itemId}", description: "store one item" },
  ],
  handle: async (req, res, url) => {
    if (/^\/dev\/strict\/items\/[^/]+$/.test(url.pathname) && (req.method === "GET" || req.method === "PUT")) {
      sendJson(res, 200, { ok: true });
      return true;
    }
    return false;
  },
};

describe("dev server", () => {
  let dev: DevServer;
  const resets: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dev = await startDevServer({ port: 0, simulators: [echo(resets), nested, strict], log: (line) => logs.push(line) });
  });

  afterAll(() => dev.close());

  it("routes by basePath and hands the simulator the body", async () => {
    const response = await fetch(`${dev.url}/dev/echo/say`, { method: "POST", body: "hello" });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ method: "POST", bytes: 5, text: "hello" });
    expect(logs).toContain("dev: POST /dev/echo/say → 200");
  });

  it("prefers the longest basePath", async () => {
    const response = await fetch(`${dev.url}/dev/echo/deeper/x`);

    expect(await response.json()).toEqual({ from: "nested" });
  });

  it("answers 404 problem JSON when no simulator takes the request", async () => {
    for (const path of ["/dev/echo/unknown", "/elsewhere", "/dev/echoes"]) {
      const response = await fetch(`${dev.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(await response.json()).toMatchObject({ status: 404, code: "DEV.NOT_FOUND" });
    }
  });

  it("answers 405 problem JSON naming the allowed methods for a listed endpoint called with another method", async () => {
    const response = await fetch(`${dev.url}/dev/strict/items/42`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, PUT");
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 405, code: "DEV.METHOD_NOT_ALLOWED" });
    expect((await fetch(`${dev.url}/dev/strict/other`, { method: "DELETE" })).status).toBe(404);
  });

  it("answers 413 for a body over 1 MB without calling the simulator", async () => {
    const response = await fetch(`${dev.url}/dev/echo/say`, { method: "POST", body: "x".repeat(1024 * 1024 + 1) });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "DEV.BODY_TOO_LARGE" });
  });

  it("answers 500 without a stack trace when a simulator throws", async () => {
    const response = await fetch(`${dev.url}/dev/echo/boom`);
    const text = await response.text();

    expect(response.status).toBe(500);
    expect(text).not.toContain("simulator bug");
    expect(logs.some((line) => line.includes("simulator bug"))).toBe(true);
  });

  it("lists the simulators and their endpoints on GET /dev", async () => {
    const listing = (await (await fetch(`${dev.url}/dev`)).json()) as { simulators: Array<Record<string, unknown>> };

    expect(listing.simulators).toEqual(
      expect.arrayContaining([
        {
          name: "echo",
          basePath: "/dev/echo",
          url: `${dev.url}/dev/echo`,
          endpoints: [{ method: "POST", path: "/dev/echo/say", description: "echoes the body" }],
        },
        expect.objectContaining({ name: "nested", endpoints: [] }),
      ]),
    );
  });

  it("resets every simulator on POST /dev/reset", async () => {
    const response = await fetch(`${dev.url}/dev/reset`, { method: "POST" });

    expect(response.status).toBe(200);
    expect(resets).toEqual(["echo"]);
  });

  it("refuses two simulators on one basePath", async () => {
    await expect(startDevServer({ port: 0, simulators: [nested, nested], log: () => undefined })).rejects.toThrow(
      /share basePath/,
    );
  });
});
