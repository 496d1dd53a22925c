import http from "node:http";
import { MAX_JSON_NESTING, closeServer, jsonTextDepth, listen, valueDepth } from "../src";

describe("jsonTextDepth", () => {
  it("counts arrays and objects, not brackets inside strings or after escapes", () => {
    expect(jsonTextDepth(`{"a":[1,{"b":"[[[{"}]}`, 100)).toBe(3);
    expect(jsonTextDepth(`{"a":"\\"[[["}`, 100)).toBe(1);
    expect(jsonTextDepth(`42`, 100)).toBe(0);
  });

  it("stops as soon as the depth passes the limit, without recursion on hostile input", () => {
    const hostile = "[".repeat(1_000_000);
    expect(jsonTextDepth(hostile, MAX_JSON_NESTING)).toBe(MAX_JSON_NESTING + 1);
  });
});

describe("valueDepth", () => {
  it("measures a parsed value iteratively (a scalar is 0)", () => {
    expect(valueDepth("x", 10)).toBe(0);
    expect(valueDepth({ a: [1, { b: {} }] }, 10)).toBe(4);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(valueDepth(deep, 64)).toBe(65);
  });
});

describe("listen and closeServer", () => {
  it("listens on a free loopback port, and closes even with a keep-alive connection open", async () => {
    const server = http.createServer((_req, res) => res.end("ok"));
    const { port, baseUrl } = await listen(server, 0, "127.0.0.1");
    expect(port).toBeGreaterThan(0);
    expect(baseUrl).toBe(`http://127.0.0.1:${port}`);
    const agent = new http.Agent({ keepAlive: true });
    const body = await new Promise<string>((resolve, reject) =>
      http.get(baseUrl, { agent }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
      }).on("error", reject),
    );
    expect(body).toBe("ok");
    await closeServer(server);
    expect(server.listening).toBe(false);
    agent.destroy();
  });

  it("says where a wildcard bind is reached: on loopback", async () => {
    const server = http.createServer();
    const { baseUrl, port } = await listen(server, 0, "0.0.0.0");
    expect(baseUrl).toBe(`http://127.0.0.1:${port}`);
    await closeServer(server);
  });
});
