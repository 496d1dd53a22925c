import { renderBanner } from "#dev/banner";
import { resolveAppSettings } from "#dev/localSettings";
import { PortInUseError, explainListenError, parsePorts } from "#dev/ports";
import { parseStartArgs } from "#dev/startArgs";

describe("ports of the local stack", () => {
  it("takes a flag over the environment over the default, for every part", () => {
    expect(parsePorts({}, {})).toEqual({ cosmos: 8081, functions: 7071, eventGrid: 7075, dev: 7076, azurite: 10000 });
    expect(parseStartArgs(["--cosmos-port", "9081", "--dev-port=9076"], { COSMOS_PORT: "1", EVENTGRID_PORT: "9075", AZURITE_PORT: "0" }).ports).toEqual({
      cosmos: 9081,
      functions: 7071,
      eventGrid: 9075,
      dev: 9076,
      azurite: 0,
    });
    expect(parsePorts({}, {}, { hostPerService: true }).functions).toBe(7081);
    expect(parseStartArgs(["--host-per-service"], {}).ports.functions).toBe(7081);
  });

  it("refuses a value that is not a port, naming where it came from", () => {
    expect(() => parseStartArgs(["--functions-port", "http"], {})).toThrow("--functions-port must be a port number 0-65535 (0 picks a free one), got 'http'");
    expect(() => parsePorts({}, { COSMOS_PORT: "70000" })).toThrow(/^COSMOS_PORT must be a port number/);
  });

  it("explains a taken port by component, port and how to move it", () => {
    const error = explainListenError(Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" }), "cosmos", 8081);
    expect(error).toBeInstanceOf(PortInUseError);
    expect(error.message).toBe(
      "Cosmos DB server cannot listen on 127.0.0.1:8081: the port is in use (an earlier stack still running? `lsof -i :8081` shows who). " +
        "Move it with --cosmos-port=<port> or COSMOS_PORT=<port>.",
    );
    const other = new Error("EACCES");
    expect(explainListenError(other, "dev", 80)).toBe(other);
    // A rejection that is no Error still ends as one, so a stack that failed to start always has a message and a stack.
    const notAnError = explainListenError("no Error", "dev", 80);
    expect(notAnError).toBeInstanceOf(Error);
    expect({ message: notAnError.message, cause: notAnError.cause }).toEqual({ message: "Simulators (dev server) cannot listen on port 80", cause: "no Error" });
  });
});

describe("app settings precedence: stack defaults < local.settings.json < environment", () => {
  const stackDefaults = {
    PAYMENT_GATEWAY_URL: "http://127.0.0.1:9076/dev/payments",
    COSMOS__accountEndpoint: "http://127.0.0.1:9081/",
    BANK_API_TIMEOUT_MS: "1000",
  };
  const sampleValues = { PAYMENT_GATEWAY_URL: "http://127.0.0.1:7076/dev/payments", COSMOS__accountEndpoint: "http://127.0.0.1:8081/", FREE_CREDITS_AMOUNT: "10.00" };

  it("lets a value changed in local.settings.json win over the stack's, and the environment over both", () => {
    const { overrides, notes } = resolveAppSettings({
      stackDefaults,
      sampleValues,
      localValues: { PAYMENT_GATEWAY_URL: "http://127.0.0.1:4000/pay", FREE_CREDITS_AMOUNT: "5.00", BANK_API_TIMEOUT_MS: "3000", FUNCTIONS_WORKER_RUNTIME: "node" },
      env: { BANK_API_TIMEOUT_MS: "4000" },
    });
    expect(overrides).toEqual({ PAYMENT_GATEWAY_URL: "http://127.0.0.1:4000/pay", FREE_CREDITS_AMOUNT: "5.00", BANK_API_TIMEOUT_MS: "4000" });
    expect(notes).toEqual(["BANK_API_TIMEOUT_MS from the environment", "PAYMENT_GATEWAY_URL from local.settings.json"]);
  });

  it("keeps the stack's wiring and follows moved ports when local.settings.json still holds the sample's values", () => {
    const { overrides, notes } = resolveAppSettings({ stackDefaults, sampleValues, localValues: sampleValues, env: {} });
    expect(overrides).toEqual({ FREE_CREDITS_AMOUNT: "10.00" });
    expect(notes).toEqual([]);
    const changed = resolveAppSettings({ stackDefaults, sampleValues, localValues: { COSMOS__accountEndpoint: "http://elsewhere:1/" }, env: {} });
    expect(changed.overrides).toEqual({});
    expect(changed.notes).toEqual(["local.settings.json COSMOS__accountEndpoint is ignored: the stack points it at the part it started (http://127.0.0.1:9081/)"]);
  });
});

describe("the npm start banner", () => {
  const base = {
    startedInMs: 1234,
    serviceCount: 3,
    subscriptionCount: 4,
    eventGridUrl: "http://127.0.0.1:7075",
    cosmosEndpoint: "http://127.0.0.1:8081/",
    databaseName: "choreography",
    devUrl: "http://127.0.0.1:7076",
    dataLine: "empty",
    settingsNotes: [],
  };

  it("in split mode lists each service's URL and sends the Try line to the inventory host", () => {
    const text = renderBanner({ ...base, functionsUrls: { orders: "http://127.0.0.1:7081", inventory: "http://127.0.0.1:7082", users: "http://127.0.0.1:7083" } });
    expect(text).toContain("    orders           http://127.0.0.1:7081/api\n    inventory        http://127.0.0.1:7082/api\n    users            http://127.0.0.1:7083/api");
    expect(text).toContain("Try:  curl -X PUT http://127.0.0.1:7082/api/inventory/SKU-1");
  });

  it("with one host says so once, and falls back to a hosted service when inventory is not", () => {
    const one = renderBanner({ ...base, functionsUrls: { orders: "http://127.0.0.1:7071", inventory: "http://127.0.0.1:7071" } });
    expect(one).toContain("all services     http://127.0.0.1:7071/api");
    const noInventory = renderBanner({ ...base, functionsUrls: { users: "http://127.0.0.1:7090" } });
    expect(noInventory).toContain("Try:  curl -X POST http://127.0.0.1:7090/api/users");
  });
});
