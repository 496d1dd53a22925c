import { parseFlags } from "@azure-choreography/server-kit";
import { LocalPorts, parsePorts, portOptions, portSettings } from "./ports";

export const USAGE = `npm start -- [--func] [--host-per-service] [--fresh] [--verbose] [--<part>-port N]
  --func               Azure Functions Core Tools' \`func start\` instead of the built-in host (npm run start:func)
  --host-per-service   one Functions host per service (ports 7081, 7082, …), as each is its own app in Azure (npm run start:split)
  --fresh              start with empty data
  --verbose            every invocation and full stack traces
  ${Object.values(portSettings).map((s) => `${s.flag} N`).join("  ")}
                       move a part (or ${Object.values(portSettings).map((s) => s.envVar).join(", ")}; 0 picks a free port)`;

export interface StartArgs {
  readonly func: boolean;
  readonly hostPerService: boolean;
  readonly fresh: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  readonly ports: LocalPorts;
}

/** `npm start`'s flags; an unknown one, or a port that is none, is refused (a UsageError or an Error naming it). */
export const parseStartArgs = (argv: readonly string[], env: NodeJS.ProcessEnv): StartArgs => {
  const { values } = parseFlags(argv, {
    func: { type: "boolean" },
    "host-per-service": { type: "boolean" },
    fresh: { type: "boolean" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    ...portOptions,
  });
  const hostPerService = values["host-per-service"] === true;
  return {
    func: values.func === true,
    hostPerService,
    fresh: values.fresh === true,
    verbose: values.verbose === true,
    help: values.help === true,
    ports: parsePorts(values, env, { hostPerService }),
  };
};
