import { createStoreFaults } from "@azure-choreography/cosmos-server";
import { createFaultsAdminApi } from "#dev/admin/faultsApi";
import { startDevServer, type DevServer } from "#dev/devServer";

/** `GET /admin/faults` says what the store's fault plan did, during its window and after it. */
describe("faults admin API: the store's fault plan", () => {
  let clock = 1_000_000;
  const faults = createStoreFaults({ now: () => clock, random: (() => { let i = 0; return () => [0.1, 0.5, 0.9][i++ % 3]!; })() });
  let dev: DevServer;
  beforeAll(async () => {
    dev = await startDevServer({ port: 0, simulators: [createFaultsAdminApi(faults, () => undefined)], log: () => undefined });
  });
  afterAll(() => dev.close());

  const call = async (method: string, body?: unknown) => {
    const response = await fetch(`${dev.url}/admin/faults${method === "GET" ? "" : "/store"}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as { store: Record<string, unknown> | null } };
  };

  it("keeps what a plan did after its window ends (a caller that looks late still sees it), until the next plan", async () => {
    expect((await call("GET")).body.store).toBeNull();
    expect((await call("POST", { throttledShare: 0.2, unavailableShare: 0.4, forMs: 2_000 })).status).toBe(202);
    for (let i = 0; i < 3; i++) faults.decide(); // 0.1 → 429, 0.5 → 503, 0.9 → through
    expect((await call("GET")).body.store).toMatchObject({ underWay: true, throttled: 1, unavailable: 1 });

    clock += 2_000; // the window is over: nothing is refused any more, and what it did is still told
    expect(faults.decide()).toEqual({ delayMs: 0 });
    expect((await call("GET")).body.store).toMatchObject({ underWay: false, throttled: 1, unavailable: 1, plan: { forMs: 2_000 } });

    expect((await call("POST", { delayMs: 5, forMs: 1_000 })).status).toBe(202);
    expect((await call("GET")).body.store).toMatchObject({ underWay: true, throttled: 0, unavailable: 0, delayed: 0 });
  });

  it("ends a plan on DELETE, keeping what it did", async () => {
    expect((await call("POST", { unavailableShare: 1, forMs: 60_000 })).status).toBe(202);
    faults.decide();
    expect((await call("DELETE")).status).toBe(200);
    expect(faults.decide()).toEqual({ delayMs: 0 });
    expect((await call("GET")).body.store).toMatchObject({ underWay: false, unavailable: 1, endsAt: new Date(clock).toISOString() });
  });
});
