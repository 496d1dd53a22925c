import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

/** Why an azd environment or its apps could not be read; the CLIs print it as one line and exit 2. */
export class AzdEnvironmentError extends Error {}

/** `KEY="value"` lines of an azd environment's `.env` file, as `azd env get-values` prints them. */
export const parseDotEnv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text.split(/\r?\n/).flatMap((line): [string, string][] => {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
      if (!m?.[1]) return [];
      const raw = m[2] ?? "";
      return [[m[1], /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw]];
    }),
  );

export interface AzdEnvironment {
  readonly name: string;
  readonly values: Readonly<Record<string, string>>;
  readonly resourceGroup: string;
  /** `--subscription <id>` for every `az` call: azd and the Azure CLI log in separately and may point elsewhere. */
  readonly subscriptionArgs: readonly string[];
}

/** The environment `azd up` wrote to `.azure/<name>/.env` (main.bicep's outputs among its values). */
export const readAzdEnvironment = (root: string, name: string): AzdEnvironment => {
  const file = path.join(root, ".azure", name, ".env");
  if (!existsSync(file)) throw new AzdEnvironmentError(`neither a URL nor an azd environment (${path.relative(root, file)} is missing)`);
  const values = parseDotEnv(readFileSync(file, "utf8"));
  const resourceGroup = values.AZURE_RESOURCE_GROUP;
  if (!resourceGroup) throw new AzdEnvironmentError(`azd environment ${name} has no AZURE_RESOURCE_GROUP: run azd up (or azd env refresh) first`);
  return { name, values, resourceGroup, subscriptionArgs: values.AZURE_SUBSCRIPTION_ID ? ["--subscription", values.AZURE_SUBSCRIPTION_ID] : [] };
};

const run = promisify(execFile);

/** Runs `az` with the environment's subscription; a failure says to log in, in one line. */
export const az = async (env: AzdEnvironment, args: readonly string[]): Promise<string> => {
  try {
    return (await run("az", [...args, ...env.subscriptionArgs, "--output", "json"])).stdout;
  } catch (error) {
    const why = error instanceof Error ? (error.message.split("\n").find((l) => /ERROR|error/.test(l)) ?? error.message.split("\n")[0]) : String(error);
    throw new AzdEnvironmentError(`az ${args.slice(0, 2).join(" ")} failed (is the Azure CLI installed and logged in? az login): ${why}`);
  }
};

export interface FunctionAppOfService {
  readonly name: string;
  readonly host: string;
}

/** The environment's Function Apps by service, found by the `azd-service-name` tag as azd finds them. */
export const functionAppsOf = async (env: AzdEnvironment): Promise<ReadonlyMap<string, FunctionAppOfService>> => {
  const listed = JSON.parse(
    await az(env, ["functionapp", "list", "--resource-group", env.resourceGroup, "--query", '[].{service: tags."azd-service-name", name: name, host: defaultHostName}']),
  ) as { service: string | null; name: string; host: string }[];
  return new Map(listed.flatMap((a) => (a.service ? [[a.service, { name: a.name, host: a.host }]] : [])));
};
