import { spawn } from "node:child_process";
import { HostAdminError, StartedHostProcess, createHostSupervisor } from "#dev/hostSupervisor";

/**
 * The supervisor with real child processes standing in for Functions hosts (an idle `node`), so exits are real exits.
 * The full stack's version (split mode, an order completing across a kill) is test/integration/chaosHostRestart.test.ts.
 */
describe("host supervisor", () => {
  const children: number[] = [];
  afterAll(() => {
    for (const pid of children) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  });

  const idleHost = (script = "setInterval(() => {}, 1000)") => (port: number): Promise<StartedHostProcess> => {
    const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
    children.push(child.pid!);
    const url = `http://127.0.0.1:${port === 0 ? 40999 : port}`;
    return Promise.resolve({
      url,
      child,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      },
    });
  };

  it("restarts a host of several services (one-host mode) that crashed, on the port it first got, and logs it once", async () => {
    const lines: string[] = [];
    const ports: number[] = [];
    const start = idleHost();
    const supervisor = createHostSupervisor({ log: (l) => lines.push(l) });
    try {
      await supervisor.add(["orders", "inventory"], 0, (port) => (ports.push(port), start(port)));
      const before = supervisor.get("inventory");
      expect(before).toMatchObject({ name: "functions", services: ["orders", "inventory"], state: "up", restarts: 0 });

      // Not through the admin API: the process dies on its own, as a crash would.
      process.kill(before.pid!, "SIGKILL");
      const deadline = Date.now() + 10_000;
      while (supervisor.get("orders").restarts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const after = await supervisor.waitUntilUp("orders", { timeoutInMs: 10_000 });
      expect(after.restarts).toBe(1);
      expect(after.pid).not.toBe(before.pid);
      expect(ports).toEqual([0, 40999]);
      expect(lines.filter((l) => l.includes("exited"))).toEqual(["functions host exited (signal SIGKILL); restarting"]);
    } finally {
      await supervisor.stop();
    }
  });

  it("keeps a killed host down for downForMs, then starts it again", async () => {
    const supervisor = createHostSupervisor({ log: () => undefined });
    try {
      await supervisor.add(["payments"], 7777, idleHost());
      const killedAt = Date.now();
      const killed = supervisor.kill("payments", { downForMs: 600 });
      expect(killed.downUntil).not.toBeNull();
      expect(supervisor.get("payments").state).toBe("down");
      expect(() => supervisor.kill("payments")).toThrow(HostAdminError);
      const back = await supervisor.waitUntilUp("payments", { timeoutInMs: 10_000 });
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(600);
      expect(back).toMatchObject({ state: "up", restarts: 1, url: "http://127.0.0.1:7777" });
    } finally {
      await supervisor.stop();
    }
  });

  it("backs off a host that keeps crashing as soon as it starts", async () => {
    const lines: string[] = [];
    let starts = 0;
    const crashing = idleHost("setTimeout(() => process.exit(3), 50)");
    const supervisor = createHostSupervisor({ log: (l) => lines.push(l) });
    try {
      await supervisor.add(["ledger"], 7778, (port) => (starts++, crashing(port)));
      await new Promise((r) => setTimeout(r, 2_500));
      // Without a back-off it would have started dozens of times in 2.5 s.
      expect(starts).toBeLessThanOrEqual(6);
      expect(lines[0]).toBe("ledger host exited (code 3); restarting");
      expect(lines.some((l) => /restarting in \d+ ms/.test(l))).toBe(true);
    } finally {
      await supervisor.stop();
    }
  });

  it("names an unknown service and a service no host runs", async () => {
    const supervisor = createHostSupervisor({ log: () => undefined });
    try {
      await supervisor.add(["payments"], 7779, idleHost());
      expect(() => supervisor.kill("nope")).toThrow(/There is no service 'nope'/);
      expect(() => supervisor.kill("orders")).toThrow(/No host of this stack runs service 'orders'/);
    } finally {
      await supervisor.stop();
    }
  });
});
