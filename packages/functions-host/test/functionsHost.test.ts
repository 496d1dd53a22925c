import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { nextOccurrence, parseSchedule } from "../src/ncrontab";
import { compileRoute } from "../src/routes";

const packageRoot = path.resolve(__dirname, "..");
const hostMain = path.join(packageRoot, "dist/main.js");
// tsc -b rewrites only the outputs that changed, but always its build info: that is when the build last ran.
const buildInfo = path.join(packageRoot, "dist/.tsbuildinfo");
const hostSources = path.join(packageRoot, "src");
const fixtureApp = path.join(packageRoot, "test/fixtures/hostApp");

/** The host runs as a child process (jest's module registry would defeat its require hook), so it must be built. */
const ensureBuilt = (): void => {
  const newestSource = Math.max(
    ...fs.readdirSync(hostSources).map((f) => fs.statSync(path.join(hostSources, f)).mtimeMs),
  );
  const fresh = () => fs.existsSync(hostMain) && fs.existsSync(buildInfo) && fs.statSync(buildInfo).mtimeMs >= newestSource;
  if (fresh()) return;
    spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", "tsconfig.build.json"], {
    cwd: packageRoot,
    stdio: "ignore",
    timeout: 170_000,
  });
  if (!fresh()) throw new Error(`Build the host first: npm run build -w @azure-choreography/functions-host (${hostMain} is missing or stale)`);
};

interface RunningHost {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const startHost = (appRoot: string, env: Record<string, string> = {}): Promise<RunningHost> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hostMain], {
      cwd: packageRoot,
      env: { ...process.env, FUNCTIONS_APP_ROOT: appRoot, FUNCTIONS_HOST_PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    // "close", not "exit": it comes after the output pipes are drained, so a failure message is never cut short.
    const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code)));
    const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    };
    const giveUp = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`host did not get ready within 20 s:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const ready = /Functions host listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (ready?.[1]) {
        clearTimeout(giveUp);
        resolve({ url: ready[1], child, output: () => output, stop });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(giveUp);
      reject(new Error(`host exited with ${String(code)} before it was ready:\n${output}`));
    });
  });

const waitFor = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

interface FunctionListing {
  name: string;
  trigger: string;
  route?: string;
  methods?: string[];
  config: { bindings: { name: string; type: string; direction: string }[] };
}

interface Received {
  events: Record<string, unknown>[];
  timerRuns: { isPastDue: boolean; adjustForDST: boolean }[];
  hookCounts: { appStart: number; preInvocation: number; postInvocation: number };
  loggedLines: { level: string; message: string; functionName?: string }[];
}

const cloudEvent = (id: string, data: unknown = { orderId: "o-1" }) => ({
  specversion: "1.0",
  id,
  source: "/orders",
  type: "Orders.OrderPlaced.v1",
  subject: "orders/o-1",
  time: "2025-01-02T03:04:05Z",
  datacontenttype: "application/json",
  correlationid: `corr-${id}`,
  causationid: `cause-${id}`,
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  data,
});

describe("local Functions host running the fixture app", () => {
  let host: RunningHost;

  const webhook = (body: string, headers: Record<string, string>, functionName = "onOrderEvent") =>
    fetch(`${host.url}/runtime/webhooks/EventGrid?functionName=${encodeURIComponent(functionName)}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const notify = (payload: unknown) => webhook(JSON.stringify(payload), { "aeg-event-type": "Notification" });
  const received = async (): Promise<Received> => (await (await fetch(`${host.url}/api/test/received`)).json()) as Received;
  const receivedIds = async (): Promise<string[]> => (await received()).events.map((e) => String(e.id));

  beforeAll(async () => {
    ensureBuilt();
    host = await startHost(fixtureApp);
  }, 180_000);

  afterAll(async () => {
    await host?.stop();
  });

  it("prints one ready line with the function list", () => {
    const ready = host.output().split("\n").filter((line) => line.includes("Functions host listening on"));
    expect(ready).toHaveLength(1);
    expect(host.output()).toMatch(/getOrder: \[GET\] http:\/\/127\.0\.0\.1:\d+\/api\/orders\/\{orderId\}/);
    expect(host.output()).toContain("nightlyCleanup: timerTrigger '0 0 3 * * *'");
  });

  it("lists the registrations the real @azure/functions made", async () => {
    const response = await fetch(`${host.url}/admin/functions`);
    expect(response.status).toBe(200);
    const listing = (await response.json()) as FunctionListing[];
    const byName = new Map(listing.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual(
      ["boom", "createOrder", "getOrder", "inventory", "noContent", "nightlyCleanup", "onOrderEvent", "received"].sort(),
    );
    expect(byName.get("getOrder")).toMatchObject({ trigger: "httpTrigger", route: "orders/{orderId}", methods: ["GET"] });
    expect(byName.get("inventory")).toMatchObject({ route: "inventory/{sku}", methods: ["GET", "PUT"] });
    // No route given: the function name is the route.
    expect(byName.get("boom")?.route).toBe("boom");
    expect(byName.get("onOrderEvent")?.trigger).toBe("eventGridTrigger");
    expect(byName.get("nightlyCleanup")?.trigger).toBe("timerTrigger");
    expect(byName.get("getOrder")?.config.bindings.map((b) => b.type)).toEqual(["httpTrigger", "http"]);

    const status = await fetch(`${host.url}/admin/host/status`);
    expect(await status.json()).toMatchObject({ state: "Running" });
    expect((await fetch(`${host.url}/`)).status).toBe(200);
  });

  it("ran the appStart hook once and invocation hooks around invocations", async () => {
    const { hookCounts } = await received();
    expect(hookCounts.appStart).toBe(1);
    expect(hookCounts.preInvocation).toBe(1);
    // The response body is serialized after the postInvocation hooks (getResponse comes last), so this very
    // invocation's post hook is already counted.
    expect(hookCounts.postInvocation).toBe(1);
  });

  it("passes route params and query to the handler and returns its status, headers and JSON body", async () => {
    const response = await fetch(`${host.url}/api/orders/o%2042?expand=lines`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-handled-by")).toBe("getOrder");
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ orderId: "o 42", expand: "lines", method: "GET" });
  });

  it("passes a JSON body and answers with a custom status and headers", async () => {
    const response = await fetch(`${host.url}/api/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "o-7", lines: [{ sku: "A", qty: 2 }] }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe("/api/orders/o-7");
    expect(response.headers.get("x-order-id")).toBe("o-7");
    expect(await response.json()).toEqual({
      received: { id: "o-7", lines: [{ sku: "A", qty: 2 }] },
      contentType: "application/json",
    });
  });

  it("routes by method as well as path", async () => {
    const put = await fetch(`${host.url}/api/inventory/SKU-1`, { method: "PUT", body: "x" });
    expect(await put.text()).toBe("PUT SKU-1");
    const del = await fetch(`${host.url}/api/orders/o-1`, { method: "DELETE" });
    // The handler returned nothing: no content.
    expect(del.status).toBe(204);
    // Unlike `func` (a bare 404 either way), a person trying the API is told which it is, as problem details.
    const patch = await fetch(`${host.url}/api/orders/o-1`, { method: "PATCH" });
    expect(patch.status).toBe(405);
    expect(patch.headers.get("allow")).toBe("DELETE, GET");
    expect(patch.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await patch.json()).toMatchObject({ status: 405, code: "HOST.METHOD_NOT_ALLOWED" });
    for (const path of ["/api/inventory", "/api/nope", "/orders/o-1", "/admin/nope"]) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 404, code: "HOST.NOT_FOUND", detail: expect.stringContaining("GET /admin/functions") });
    }
  });

  it("answers a throwing handler with a bare 500 and logs the failure", async () => {
    const response = await fetch(`${host.url}/api/boom`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    expect(host.output()).toMatch(/Executed 'boom' \(Failed, Id=[0-9a-f-]{36}, Duration=\d+ms\)/);
    expect(host.output()).toContain("secret detail that must not reach the client");
  });

  it("refuses a body over 100 MB with 413", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${host.url}/api/orders`, {
        method: "POST",
        headers: { "content-length": String(100 * 1024 * 1024 + 1) },
      });
      request.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      request.on("error", reject);
      request.write(Buffer.alloc(1024));
    });
    expect(status).toBe(413);
  });

  it("logs context.log lines prefixed with the function name, and a failure as one line without its stack", async () => {
    await fetch(`${host.url}/api/orders/log-check`);
    await waitFor(async () => (host.output().includes("getOrder: reading order log-check") ? true : undefined), "log");
    // Executing/Executed chatter is for --verbose (FUNCTIONS_HOST_VERBOSE=1), not for every invocation.
    expect(host.output()).not.toMatch(/Executing 'getOrder'/);
    await fetch(`${host.url}/api/boom`);
    await waitFor(async () => (/Executed 'boom' \(Failed/.test(host.output()) ? true : undefined), "failure line");
    expect(host.output()).not.toMatch(/\n\s+at /);
  });

  it("with FUNCTIONS_HOST_VERBOSE=1 logs one Executing/Executed pair per invocation and failures with their stack", async () => {
    const verbose = await startHost(fixtureApp, { FUNCTIONS_HOST_VERBOSE: "1" });
    try {
      await fetch(`${verbose.url}/api/orders/log-check`);
      await fetch(`${verbose.url}/api/boom`);
      await waitFor(async () => (/Exception while executing function: boom/.test(verbose.output()) ? true : undefined), "verbose failure");
      expect(verbose.output()).toMatch(/Executing 'getOrder' \(Reason='[^']+', Id=[0-9a-f-]{36}\)/);
      expect(verbose.output()).toMatch(/Executed 'getOrder' \(Succeeded, Id=[0-9a-f-]{36}, Duration=\d+ms\)/);
      expect(verbose.output()).toMatch(/\n\s+at /);
    } finally {
      await verbose.stop();
    }
  });

  describe("Event Grid webhook", () => {
    it("delivers every CloudEvent of an array, extension attributes included, and answers 202", async () => {
      const events = [cloudEvent("batch-1"), cloudEvent("batch-2")];
      const response = await notify(events);
      expect(response.status).toBe(202);
      expect(await response.text()).toBe("");
      const seen = (await received()).events.filter((e) => String(e.id).startsWith("batch-"));
      expect(seen).toEqual(events);
      expect(seen[0]).toMatchObject({ correlationid: "corr-batch-1", causationid: "cause-batch-1" });
    });

    it("runs the app's log hooks for each context.log line, with the invocation it was written in", async () => {
      expect((await notify(cloudEvent("logged-1"))).status).toBe(202);
      const { loggedLines } = await received();
      expect(loggedLines).toContainEqual({ level: "information", message: "received Orders.OrderPlaced.v1 logged-1", functionName: "onOrderEvent" });
    });

    it("delivers a single event object", async () => {
      const response = await notify(cloudEvent("single-1"));
      expect(response.status).toBe(202);
      expect(await receivedIds()).toContain("single-1");
    });

    it("accepts the lower-case webhook path", async () => {
      const response = await fetch(`${host.url}/runtime/webhooks/eventgrid?functionName=onOrderEvent`, {
        method: "POST",
        headers: { "aeg-event-type": "Notification" },
        body: JSON.stringify(cloudEvent("lower-1")),
      });
      expect(response.status).toBe(202);
      expect(await receivedIds()).toContain("lower-1");
    });

    it("answers the subscription validation handshake with the validation code", async () => {
      const response = await webhook(
        JSON.stringify([
          {
            id: "v-1",
            topic: "/subscriptions/x",
            subject: "",
            eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
            eventTime: "2025-01-01T00:00:00Z",
            dataVersion: "2",
            data: { validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validationUrl: "https://x" },
          },
        ]),
        { "aeg-event-type": "SubscriptionValidation" },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
      expect(await receivedIds()).not.toContain("v-1");
    });

    it("answers Unsubscribe with 202", async () => {
      expect((await webhook("[]", { "aeg-event-type": "Unsubscribe" })).status).toBe(202);
    });

    it("rejects a missing or unknown aeg-event-type with 400", async () => {
      const body = JSON.stringify([cloudEvent("no-type-1")]);
      expect((await webhook(body, {})).status).toBe(400);
      expect((await webhook(body, { "aeg-event-type": "Bogus" })).status).toBe(400);
      expect(await receivedIds()).not.toContain("no-type-1");
    });

    it("answers 404 for an unknown function or one that is not Event Grid triggered", async () => {
      const body = JSON.stringify([cloudEvent("unknown-1")]);
      expect((await webhook(body, { "aeg-event-type": "Notification" }, "nope")).status).toBe(404);
      expect((await webhook(body, { "aeg-event-type": "Notification" }, "getOrder")).status).toBe(404);
    });

    it("answers 500 when the handler throws, so Event Grid redelivers, after running the other events", async () => {
      const response = await notify([cloudEvent("fail-1", { fail: true }), cloudEvent("after-fail-1")]);
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain("asked to fail");
      const ids = await receivedIds();
      expect(ids).not.toContain("fail-1");
      expect(ids).toContain("after-fail-1");
    });

    it("answers 400, never 500, to JSON nested 30,000 deep, and invokes nothing", async () => {
      const before = (await received()).events.length;
      const deep = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
      const deepEvent = JSON.stringify(cloudEvent("deep-1")).replace(/}$/, `,"deep":${deep}}`);
      for (const body of [deep, deepEvent, `[${deepEvent}]`]) {
        const response = await webhook(body, { "aeg-event-type": "Notification" });
        expect(response.status).toBe(400);
      }
      expect((await received()).events.length).toBe(before);
    });

    it("answers the CloudEvents abuse-protection handshake echoing only Event Grid origins, never *", async () => {
      const options = (origin?: string) =>
        fetch(`${host.url}/runtime/webhooks/EventGrid?functionName=onOrderEvent`, {
          method: "OPTIONS",
          headers: origin ? { "WebHook-Request-Origin": origin } : {},
        });
      for (const [origin, allowed] of [
        ["eventgrid.azure.net", "eventgrid.azure.net"],
        ["eventgrid.azure.us", "eventgrid.azure.us"],
        ["eventgrid.azure.cn", "eventgrid.azure.cn"],
        ["evil.example.com", "eventgrid.azure.net"],
        [undefined, "eventgrid.azure.net"],
      ] as const) {
        const response = await options(origin);
        expect(response.status).toBe(200);
        expect(response.headers.get("webhook-allowed-origin")).toBe(allowed);
      }
    });

    it("answers 400 to a body that is not JSON", async () => {
      expect((await webhook("[{not json", { "aeg-event-type": "Notification" })).status).toBe(400);
    });
  });

  it("invokes a timer through the admin API (202) and the function runs", async () => {
    const before = (await received()).timerRuns.length;
    const response = await fetch(`${host.url}/admin/functions/nightlyCleanup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: "" }),
    });
    expect(response.status).toBe(202);
    const runs = await waitFor(async () => {
      const { timerRuns } = await received();
      return timerRuns.length > before ? timerRuns : undefined;
    }, "the timer to run");
    expect(runs[runs.length - 1]).toEqual({ isPastDue: false, adjustForDST: true });
    expect((await fetch(`${host.url}/admin/functions/nope`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("local Functions host loading an app like the worker does", () => {
  let appRoot: string;
  let host: RunningHost | undefined;

  beforeAll(() => {
    ensureBuilt();
    appRoot = fs.mkdtempSync(path.join(os.tmpdir(), "functions-host-"));
    const library = JSON.stringify(path.dirname(require.resolve("@azure/functions/package.json")));
    fs.mkdirSync(path.join(appRoot, "dist"));
    fs.writeFileSync(path.join(appRoot, "package.json"), JSON.stringify({ name: "globbed", main: "dist/*.js" }));
    fs.writeFileSync(path.join(appRoot, "host.json"), JSON.stringify({ version: "2.0", extensions: { http: { routePrefix: "" } } }));
    fs.writeFileSync(
      path.join(appRoot, "local.settings.json"),
      JSON.stringify({
        IsEncrypted: false,
        Values: { GREETING: "from-settings", OVERRIDDEN: "from-settings", "AzureWebJobs.hidden.Disabled": "true" },
      }),
    );
    fs.writeFileSync(
      path.join(appRoot, "dist/a.js"),
      `const { app } = require(${library});
       app.get("settings", { handler: () => ({ jsonBody: { greeting: process.env.GREETING, overridden: process.env.OVERRIDDEN } }) });
       app.get("hidden", { handler: () => ({ body: "should be disabled" }) });`,
    );
    fs.writeFileSync(
      path.join(appRoot, "dist/b.js"),
      `const { app } = require(${library});
       let ticks = 0;
       app.timer("everySecond", { schedule: "* * * * * *", runOnStartup: true, handler: () => { ticks += 1; } });
       app.get("ticks", { handler: () => ({ jsonBody: { ticks } }) });`,
    );
  });

  afterAll(async () => {
    await host?.stop();
    fs.rmSync(appRoot, { recursive: true, force: true });
  });

  it("loads every file of a glob main, merges local.settings.json under the environment, honours settings", async () => {
    host = await startHost(appRoot, { OVERRIDDEN: "from-env", FUNCTIONS_HOST_DISABLE_TIMERS: "1" });
    const settings = await fetch(`${host.url}/settings`);
    expect(await settings.json()).toEqual({ greeting: "from-settings", overridden: "from-env" });
    expect((await fetch(`${host.url}/hidden`)).status).toBe(404);
    // runOnStartup would have ticked at once were timers not disabled.
    await new Promise((r) => setTimeout(r, 300));
    expect(await (await fetch(`${host.url}/ticks`)).json()).toEqual({ ticks: 0 });
  });

  it("exits 0 on SIGINT", async () => {
    expect(await host?.stop("SIGINT")).toBe(0);
  });

  it("exits 1 with the worker's message when an entry point throws", async () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), "functions-host-broken-"));
    try {
      fs.writeFileSync(path.join(broken, "package.json"), JSON.stringify({ main: "index.js" }));
      fs.writeFileSync(path.join(broken, "index.js"), 'throw new Error("kaboom at load");');
      await expect(startHost(broken)).rejects.toThrow(
        /exited with 1[\s\S]*HOST\.ENTRY_POINT_FAILED: Worker was unable to load entry point "index\.js": kaboom at load/,
      );
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe("NCRONTAB schedules", () => {
  const next = (expression: string, after: string): string | undefined =>
    nextOccurrence(parseSchedule(expression), new Date(after), "utc")?.toISOString();

  it("finds the next occurrence for steps, lists, ranges and day-of-week", () => {
    expect(next("0 */5 * * * *", "2025-03-10T10:02:30Z")).toBe("2025-03-10T10:05:00.000Z");
    expect(next("0 0 3 * * *", "2025-03-10T03:00:00Z")).toBe("2025-03-11T03:00:00.000Z");
    expect(next("0 0 1,13 * * *", "2025-03-10T02:00:00Z")).toBe("2025-03-10T13:00:00.000Z");
    // 2025-03-15 is a Saturday: weekdays only means Monday.
    expect(next("0 30 9 * * 1-5", "2025-03-15T08:00:00Z")).toBe("2025-03-17T09:30:00.000Z");
    expect(next("0 0 0 1 Jan *", "2025-03-10T00:00:00Z")).toBe("2026-01-01T00:00:00.000Z");
    expect(next("*/15 * * * *", "2025-03-10T10:07:00Z")).toBe("2025-03-10T10:15:00.000Z");
    expect(next("0 0 0 31 2 *", "2025-03-10T00:00:00Z")).toBeUndefined();
    expect(next("00:00:30", "2025-03-10T00:00:00Z")).toBe("2025-03-10T00:00:30.000Z");
    // NCrontab's "from 5, every 15".
    expect(next("5/15 * * * * *", "2025-03-10T00:00:06Z")).toBe("2025-03-10T00:00:20.000Z");
  });

  it("requires day of month AND day of week, as NCrontab does (cron and croner's default is OR)", () => {
    // Friday the 13th: not Thursday 2025-03-13 nor Friday 2025-03-14.
    expect(next("0 0 0 13 * FRI", "2025-03-10T00:00:00Z")).toBe("2025-06-13T00:00:00.000Z");
    // Further than any fixed search window: the next 29 February on a Monday.
    expect(next("0 0 0 29 2 Mon", "2025-03-10T00:00:00Z")).toBe("2044-02-29T00:00:00.000Z");
  });

  it("rejects malformed expressions", () => {
    expect(() => parseSchedule("0 0 * *")).toThrow(/expected 6 fields/);
    expect(() => parseSchedule("0 60 * * * *")).toThrow(/Invalid value for minute: 60/);
    expect(() => parseSchedule("0 */0 * * * *")).toThrow(/illegal stepping: 0/);
    expect(() => parseSchedule("0 5-3 * * * *")).toThrow(/From value is larger than to value/);
    expect(() => parseSchedule("0 0 0 * Foo *")).toThrow(/Invalid schedule "0 0 0 \* Foo \*": .*illegal characters/);
  });

  it("refuses what croner reads but NCrontab does not, since Azure would put the function in error", () => {
    for (const expression of ["0 0 0 L * *", "0 0 0 15W * *", "0 0 0 * * 5#2", "0 0 0 1 * +MON", "@daily", "0 0 0 * * * 2030", "/10 * * * * *"]) {
      expect(() => parseSchedule(expression)).toThrow(/Invalid schedule/);
    }
    expect(() => parseSchedule("0 0 0 * * 7")).toThrow(/day of week 7 is outside 0-6/);
    expect(() => parseSchedule("0 0 0 * * 1-7")).toThrow(/day of week 7 is outside 0-6/);
    // Croner reads three-letter names only; NCrontab also takes "January" (any prefix of the full name): refused here.
    expect(() => parseSchedule("0 0 0 1 January *")).toThrow(/Invalid schedule/);
  });
});

describe("route templates", () => {
  it("matches literals case-insensitively and decodes parameters", () => {
    expect(compileRoute("orders/{orderId}").match("Orders/o%201")).toEqual({ orderId: "o 1" });
    expect(compileRoute("orders/{orderId}").match("orders")).toBeUndefined();
    expect(compileRoute("orders/{orderId}").match("orders/1/lines")).toBeUndefined();
  });

  it("honours constraints, optional and catch-all parameters", () => {
    expect(compileRoute("items/{id:int}").match("items/abc")).toBeUndefined();
    expect(compileRoute("items/{id:int}").match("items/42")).toEqual({ id: "42" });
    expect(compileRoute("items/{id?}").match("items")).toEqual({});
    expect(compileRoute("files/{*path}").match("files/a/b.txt")).toEqual({ path: "a/b.txt" });
  });
});
