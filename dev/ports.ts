/** A local port that is taken, said so a person knows which part of the stack, and how to move it. */
export class PortInUseError extends Error {
  readonly code = "STACK.PORT_IN_USE";
  constructor(
    readonly component: string,
    readonly port: number,
    readonly flag: string,
    readonly envVar: string,
  ) {
    super(
      `${component} cannot listen on 127.0.0.1:${port}: the port is in use (an earlier stack still running? ` +
        `\`lsof -i :${port}\` shows who). Move it with ${flag}=<port> or ${envVar}=<port>.`,
    );
    this.name = "PortInUseError";
  }
}

export interface LocalPorts {
  readonly cosmos: number;
  readonly functions: number;
  readonly eventGrid: number;
  readonly dev: number;
  readonly azurite: number;
}

/** What each component is called, and how its port is moved; one table so messages and the parser agree. */
export const portSettings: Readonly<Record<keyof LocalPorts, { component: string; flag: string; envVar: string; fallback: number }>> = {
  cosmos: { component: "Cosmos DB server", flag: "--cosmos-port", envVar: "COSMOS_PORT", fallback: 8081 },
  functions: { component: "Functions host", flag: "--functions-port", envVar: "FUNCTIONS_PORT", fallback: 7071 },
  eventGrid: { component: "Event Grid emulator", flag: "--eventgrid-port", envVar: "EVENTGRID_PORT", fallback: 7075 },
  dev: { component: "Simulators (dev server)", flag: "--dev-port", envVar: "DEV_PORT", fallback: 7076 },
  azurite: { component: "Azurite (blob)", flag: "--azurite-port", envVar: "AZURITE_PORT", fallback: 10000 },
};

/** The flags that move a part, as node:util's parseArgs options (`--cosmos-port 8082` or `--cosmos-port=8082`). */
export const portOptions = Object.fromEntries(Object.values(portSettings).map((s) => [s.flag.slice(2), { type: "string" as const }]));

/**
 * Ports from flags (the parsed `--cosmos-port` …, keyed without the dashes), else the environment (`COSMOS_PORT`), else
 * the default; `functions` defaults to 7081 with one host per service so the hosts stay clear of the emulator (7075).
 * Throws naming the flag or variable when a value is not a port.
 */
export const parsePorts = (
  flags: Readonly<Record<string, string | boolean | undefined>>,
  env: NodeJS.ProcessEnv,
  options: { hostPerService?: boolean } = {},
): LocalPorts => {
  const result: Record<string, number> = {};
  for (const [key, setting] of Object.entries(portSettings)) {
    const fromFlag = flags[setting.flag.slice(2)];
    const raw = typeof fromFlag === "string" ? fromFlag : env[setting.envVar];
    const source = typeof fromFlag === "string" ? setting.flag : setting.envVar;
    const fallback = key === "functions" && options.hostPerService ? 7081 : setting.fallback;
    if (raw === undefined || raw.trim() === "") {
      result[key] = fallback;
      continue;
    }
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`${source} must be a port number 0-65535 (0 picks a free one), got '${raw}'`);
    }
    result[key] = port;
  }
  return result as unknown as LocalPorts;
};

/** Turns a listen error into one that names the component, leaves any other Error as it was, and wraps what is none. */
export const explainListenError = (error: unknown, key: keyof LocalPorts, port: number): Error => {
  const setting = portSettings[key];
  if (!(error instanceof Error)) return new Error(`${setting.component} cannot listen on port ${port}`, { cause: error });
  if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") return error;
  return new PortInUseError(setting.component, port, setting.flag, setting.envVar);
};
