import { readFileSync } from "node:fs";
import { join } from "node:path";

const useAzureMonitor = jest.fn();
jest.mock("@azure/monitor-opentelemetry", () => ({ useAzureMonitor: (options: unknown) => useAzureMonitor(options) }));

// jest hoists jest.mock above the imports; startTelemetry requires the distro lazily anyway.
import { startTelemetry } from "#src/platform/telemetry";

const connection = { APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/" };

describe("sampling in OpenTelemetry mode", () => {
  beforeEach(() => useAzureMonitor.mockClear());

  it("host.json carries no Application Insights sampling settings, which OpenTelemetry mode ignores", () => {
    const host = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "host.json"), "utf8")) as Record<string, unknown>;
    expect(host.telemetryMode).toBe("OpenTelemetry");
    expect(JSON.stringify(host)).not.toMatch(/samplingSettings/);
  });

  it("samples on the exporter, at the traces per second the app setting gives", () => {
    expect(startTelemetry({ ...connection, APPLICATIONINSIGHTS_TRACES_PER_SECOND: "2" })).toBe(true);
    expect(useAzureMonitor).toHaveBeenCalledWith(expect.objectContaining({ tracesPerSecond: 2 }));
  });

  it("keeps every trace when the setting is 0", () => {
    startTelemetry({ ...connection, APPLICATIONINSIGHTS_TRACES_PER_SECOND: "0" });
    expect(useAzureMonitor).toHaveBeenCalledWith(expect.objectContaining({ tracesPerSecond: 0, samplingRatio: 1 }));
  });
});
