import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { getJson, registerCard, repoRoot, sendJson, waitFor } from "./support/localStack";

/**
 * `npm start` as a person runs it (the built start script as its own process, on free ports): it stops on a signal
 * and frees every port, keeps data across a restart, starts empty with --fresh, and fails start-up with one line
 * naming what is wrong.
 */
describe("the local stack as a process", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "stack-lifecycle-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  interface Running {
    readonly child: ChildProcess;
    readonly output: () => string;
    readonly exited: Promise<number | null>;
  }
  const FREE_PORTS = ["--cosmos-port", "0", "--functions-port", "0", "--eventgrid-port", "0", "--dev-port", "0", "--azurite-port", "0"];
  const launch = (args: string[], env: Record<string, string> = {}): Running => {
    const child = spawn(process.execPath, [path.join(repoRoot, "dist/dev/start.js"), ...args], {
      cwd: repoRoot,
      env: { ...process.env, LOCAL_DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    // A stack that should have refused to start must not outlive the test.
    const guard = setTimeout(() => child.kill("SIGKILL"), 150_000);
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => (clearTimeout(guard), resolve(code))));
    return { child, output: () => output, exited };
  };
  const ready = async (running: Running) => {
    await waitFor(async () => (running.output().includes("Press Ctrl-C") ? true : undefined), { timeoutInMs: 90_000, description: `the banner:\n${running.output()}` });
    const text = running.output();
    const url = (pattern: RegExp) => pattern.exec(text)![1]!;
    return {
      api: `${url(/all services\s+(http:\/\/\S+)\/api/)}/api`,
      ports: [/all services\s+(http:\/\/\S+)\/api/, /Event Grid\s+(http:\/\/\S+)/, /Cosmos DB\s+(http:\/\/\S+)\//, /Simulators\s+(http:\/\/\S+)\/dev/, /Azurite \(blob\)\s+(http:\/\/\S+)\/devstoreaccount1/].map(
        (p) => Number(new URL(url(p)).port),
      ),
    };
  };
  const isListening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
  const stop = async (running: Running, signal: NodeJS.Signals) => {
    running.child.kill(signal);
    const guard = setTimeout(() => running.child.kill("SIGKILL"), 30_000);
    const code = await running.exited;
    clearTimeout(guard);
    return code;
  };

  it("keeps an order across a SIGTERM restart, frees every port on SIGTERM and SIGINT, and starts empty with --fresh", async () => {
    const first = launch(FREE_PORTS);
    const { api, ports } = await ready(first);
    expect(first.output()).toContain("Data             empty");
    await sendJson("PUT", `${api}/inventory/SKU-KEEP`, { available: 3 });
    const placed = await sendJson("POST", `${api}/orders`, { customerId: "c-keep", items: [{ sku: "SKU-KEEP", quantity: 1, unitPrice: 2.5 }], currency: "EUR", paymentMethodId: await registerCard(api, "c-keep") });
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    await waitFor(async () => ((await getJson(`${api}/orders/${orderId}`)).body?.status === "Confirmed" ? true : undefined), { description: "order confirmed" });

    expect(await stop(first, "SIGTERM")).toBe(0);
    expect(first.output()).toMatch(/SIGTERM: stopping the local stack/);
    for (const port of ports) expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });

    const second = launch(FREE_PORTS);
    const again = await ready(second);
    expect(second.output()).toMatch(/Data\s+restored \d+ document\(s\)/);
    expect((await getJson(`${again.api}/orders/${orderId}`)).body).toMatchObject({ orderId, status: "Confirmed" });
    expect((await getJson(`${again.api}/inventory/SKU-KEEP`)).body).toMatchObject({ available: 2, reserved: 1 });
    expect(await stop(second, "SIGINT")).toBe(0);
    for (const port of again.ports) expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });

    const fresh = launch([...FREE_PORTS, "--fresh"]);
    const empty = await ready(fresh);
    expect(fresh.output()).toContain("fresh start (--fresh)");
    expect((await getJson(`${empty.api}/orders/${orderId}`)).status).toBe(404);
    expect(await stop(fresh, "SIGTERM")).toBe(0);
  }, 240_000);

  it("stops when the shell npm runs it in is terminated, as `kill -TERM <npm start pid>` does, freeing every port", async () => {
    // npm forwards SIGTERM to `sh -c "node …"`; the shell dies without passing it on to node.
    const shell = spawn("sh", ["-c", `"${process.execPath}" dist/dev/start.js ${FREE_PORTS.join(" ")}`], {
      cwd: repoRoot,
      env: { ...process.env, LOCAL_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    shell.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const running: Running = { child: shell, output: () => output, exited: new Promise((resolve) => shell.once("exit", (code) => resolve(code))) };
    const { ports } = await ready(running);
    shell.kill("SIGTERM");
    await running.exited;
    await waitFor(async () => ((await Promise.all(ports.map(isListening))).every((open) => !open) ? true : undefined), {
      timeoutInMs: 30_000,
      description: `ports ${ports.join(", ")} freed after the shell was terminated`,
    });
  }, 120_000);

  it("after a SIGKILL leaves no port taken and restarts with every write it had answered", async () => {
    const first = launch([...FREE_PORTS, "--fresh"]);
    const { api, ports } = await ready(first);
    expect((await sendJson("PUT", `${api}/inventory/SKU-CRASH`, { available: 4 })).status).toBe(200);
    // Killed at once: with the 5-second snapshots of old, this write was lost.
    first.child.kill("SIGKILL");
    await first.exited;
    // The hosts and Azurite notice their parent is gone and stop themselves.
    await waitFor(async () => ((await Promise.all(ports.map(isListening))).every((open) => !open) ? true : undefined), { timeoutInMs: 30_000, description: "ports freed after SIGKILL" });

    const second = launch(FREE_PORTS);
    const again = await ready(second);
    expect((await getJson(`${again.api}/inventory/SKU-CRASH`)).body).toMatchObject({ available: 4 });
    expect(await stop(second, "SIGTERM")).toBe(0);
  }, 120_000);

  it("names the component, the port and how to move it when a port is taken", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const run = launch(["--cosmos-port", "0", "--functions-port", "0", "--eventgrid-port", String(taken), "--dev-port", "0", "--azurite-port", "0"]);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`Local stack failed to start: Event Grid emulator cannot listen on 127.0.0.1:${taken}: the port is in use`);
      expect(run.output()).toContain(`--eventgrid-port=<port> or EVENTGRID_PORT=<port>`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it("refuses to start with a bad setting, in one line naming it", async () => {
    const run = launch(FREE_PORTS, { FREE_CREDITS_AMOUNT: "ten" });
    expect(await run.exited).toBe(1);
    const failure = run.output().split("\n").filter((line) => line.startsWith("Local stack failed to start"));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(/FREE_CREDITS_AMOUNT/);
    expect(run.output()).not.toContain("Press Ctrl-C");
  }, 90_000);
});
