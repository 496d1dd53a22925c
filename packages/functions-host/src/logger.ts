export type HostLogLevel = "debug" | "info" | "warn" | "error";

/** Where every host and function log line goes; tests pass a quiet one, the CLI prints. */
export type HostLog = (level: HostLogLevel, message: string) => void;

export const createConsoleLog =
  (options: { verbose?: boolean } = {}): HostLog =>
  (level, message) => {
    if (level === "debug" && !options.verbose) return;
    const line = `[${new Date().toISOString()}] ${message}\n`;
    // stdout for everything but errors keeps the ready line and invocation lines in one ordered stream.
    if (level === "error") process.stderr.write(line);
    else process.stdout.write(line);
  };

export const silentLog: HostLog = () => undefined;

export const toHostLevel = (rpcLevel: string): HostLogLevel => {
  switch (rpcLevel) {
    case "error":
    case "critical":
      return "error";
    case "warning":
      return "warn";
    case "information":
      return "info";
    default:
      return "debug";
  }
};
