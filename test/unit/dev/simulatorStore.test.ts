import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevServer, type DevServer } from "#dev/devServer";
import { createSimulators } from "#dev/simulators";
import { journaledStore, memoryStore, type SimulatorStore } from "#dev/simulators/store";

/**
 * The simulators keep their records like real outside systems: a stack started again on the same data finds the
 * charges, payments, contacts and emails, and a repeated idempotency key is answered from before the restart.
 */
describe("simulators on a journaled store", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "simulators-"));
  const file = path.join(dir, "simulators.log");
  const opened: { dev: DevServer; store: SimulatorStore }[] = [];
  afterAll(async () => {
    for (const { dev, store } of opened) {
      await dev.close().catch(() => undefined);
      await store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const store = journaledStore(file);
    const dev = await startDevServer({ port: 0, simulators: createSimulators(store), log: () => undefined });
    opened.push({ dev, store });
    const call = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${dev.url}${route}`, {
        method,
        headers: { "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, replayed: response.headers.get("idempotent-replayed"), body: (await response.json()) };
    };
    return { dev, call };
  };

  it("finds after a restart what every simulator recorded before it, and answers a repeated key as before", async () => {
    const first = await start();
    const charged = await first.call("POST", "/dev/payments/charges", { amount: 1250, currency: "EUR", token: "tok_visa" }, { "idempotency-key": "k-charge" });
    expect(charged.status).toBe(201);
    expect((await first.call("POST", "/dev/bank/payments", { amount: 700, currency: "EUR", bankToken: "bank_ok" }, { "idempotency-key": "k-pay" })).status).toBe(201);
    expect((await first.call("PUT", "/dev/crm/contacts/u-1", { email: "a@example.com", name: "A" }, { authorization: "Bearer k" })).status).toBe(201);
    const email = { messageId: "m-1", to: { address: "a@example.com", displayName: "A" }, subject: "Hi", plainText: "Hi", html: "<p>Hi</p>" };
    expect((await first.call("POST", "/dev/mailbox/messages", email)).status).toBe(201);
    // No clean stop: the dev server goes away and its store is never closed, as in a crash.
    await first.dev.close();

    const second = await start();
    const again = await second.call("POST", "/dev/payments/charges", { amount: 1250, currency: "EUR", token: "tok_visa" }, { "idempotency-key": "k-charge" });
    expect(again).toMatchObject({ status: 201, replayed: "true", body: { chargeId: (charged.body as { chargeId: string }).chargeId } });
    expect((await second.call("GET", "/dev/payments/charges")).body).toHaveLength(1);
    expect((await second.call("POST", "/dev/bank/payments", { amount: 700, currency: "EUR", bankToken: "bank_ok" }, { "idempotency-key": "k-pay" })).replayed).toBe("true");
    expect((await second.call("GET", "/dev/bank/payments")).body).toEqual([expect.objectContaining({ idempotencyKey: "k-pay", attempts: 2 })]);
    expect((await second.call("GET", "/dev/crm/contacts/u-1")).body).toMatchObject({ email: "a@example.com", upserts: 1 });
    expect((await second.call("POST", "/dev/mailbox/messages", email)).body).toEqual({ messageId: "m-1", duplicate: true });
    expect((await second.call("POST", "/dev/reset")).status).toBe(200);
    await second.dev.close();

    // A reset is kept too.
    const third = await start();
    expect((await third.call("GET", "/dev/payments/charges")).body).toEqual([]);
    expect((await third.call("GET", "/dev/mailbox")).body).toEqual([]);
  });

  it("answers POST /dev/reset only once the reset is on disk, as every simulator's own answers wait", async () => {
    // A store whose disk the test holds: pending until released, and telling when an answer waits for it.
    let release!: () => void;
    const onDisk = new Promise<void>((resolve) => (release = resolve));
    let askedForDisk!: () => void;
    const asked = new Promise<void>((resolve) => (askedForDisk = resolve));
    let held = true;
    const store: SimulatorStore = {
      ...memoryStore(),
      durable: () => (askedForDisk(), onDisk),
      get pending() {
        return held;
      },
    };
    const dev = await startDevServer({ port: 0, simulators: createSimulators(store), log: () => undefined });
    try {
      let answered = false;
      const reset = fetch(`${dev.url}/dev/reset`, { method: "POST" }).then((response) => ((answered = true), response));
      await asked;
      expect(answered).toBe(false);
      held = false;
      release();
      expect((await reset).status).toBe(200);
    } finally {
      release();
      await dev.close();
    }
  });
});
