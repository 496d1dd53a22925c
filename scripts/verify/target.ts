import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { AzureCliCredential } from "@azure/identity";
import { LOCAL_FLOW_DEADLINE_MS } from "../../dev/journalSettings";
import { localDataDir, readStackInfo } from "../../dev/stackInfo";
import { FlowName, flows } from "../../src/flows";
import { ServiceName } from "../../src/topology";
import { ApiTarget } from "./client";

export interface VerifyTarget extends ApiTarget {
  /** How long a flow may take on this target before the verifier calls it broken. */
  deadlineOf(flow: FlowName): number;
  /** Where the API must refuse a caller without a token (Azure): checked as a row of its own. */
  readonly requiresToken: boolean;
}

/** Why no target could be reached; the CLI prints it as one line and exits 2. */
export class TargetError extends Error {}

/** The running `npm start` (its `.local-data/stack.json`), with the local flow deadline. */
const localStack = (root: string): VerifyTarget => {
  const info = readStackInfo(localDataDir(root));
  if (!info) throw new TargetError("No running stack found (.local-data/stack.json): start one with `npm start`, or pass --target <URL or azd environment>");
  return {
    label: "npm start",
    urlOf: (service) => {
      const url = info.functionsUrls[service];
      if (!url) throw new TargetError(`The running stack hosts no ${service} service`);
      return url;
    },
    headers: async () => ({}),
    deadlineOf: () => LOCAL_FLOW_DEADLINE_MS,
    requiresToken: false,
  };
};

/** One host that serves every service (`func start`, or a local host at another port): the flows' own deadlines. */
const oneHost = (url: string): VerifyTarget => ({
  label: url,
  urlOf: () => url.replace(/\/(api\/?)?$/, ""),
  headers: async () => ({}),
  deadlineOf: (flow) => flows[flow].defaultDeadlineInMs,
  requiresToken: false,
});

/** `KEY="value"` lines of an azd environment's `.env` file. */
export const parseDotEnv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text.split(/\r?\n/).flatMap((line): [string, string][] => {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
      if (!m?.[1]) return [];
      const raw = m[2] ?? "";
      return [[m[1], /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw]];
    }),
  );

const run = promisify(execFile);

/**
 * A deployment made with `azd up`: the apps of the environment's resource group (found by their `azd-service-name`
 * tag, as azd finds them), called with the signed-in Azure CLI user's token for the API's app registration.
 */
const azdEnvironment = async (root: string, name: string): Promise<VerifyTarget> => {
  const file = path.join(root, ".azure", name, ".env");
  if (!existsSync(file)) throw new TargetError(`--target ${name}: neither a URL nor an azd environment (${path.relative(root, file)} is missing)`);
  const env = parseDotEnv(readFileSync(file, "utf8"));
  const resourceGroup = env.AZURE_RESOURCE_GROUP;
  const apiClientId = env.API_CLIENT_ID;
  if (!resourceGroup || !apiClientId) throw new TargetError(`azd environment ${name} lacks AZURE_RESOURCE_GROUP or API_CLIENT_ID (azd env set API_CLIENT_ID <app id>)`);
  const subscription = env.AZURE_SUBSCRIPTION_ID ? ["--subscription", env.AZURE_SUBSCRIPTION_ID] : [];
  let listed: string;
  try {
    ({ stdout: listed } = await run("az", ["functionapp", "list", "--resource-group", resourceGroup, ...subscription, "--query", '[].{service: tags."azd-service-name", host: defaultHostName}', "--output", "json"]));
  } catch (error) {
    throw new TargetError(`az functionapp list failed (is the Azure CLI installed and logged in? az login): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const hosts = new Map((JSON.parse(listed) as { service: string | null; host: string }[]).flatMap((a) => (a.service ? [[a.service, a.host]] : [])));
  const credential = new AzureCliCredential();
  return {
    label: `azd environment ${name} (${resourceGroup})`,
    urlOf: (service: ServiceName) => {
      const host = hosts.get(service);
      if (!host) throw new TargetError(`No Function App tagged azd-service-name=${service} in ${resourceGroup}`);
      return `https://${host}`;
    },
    headers: async () => ({ authorization: `Bearer ${(await credential.getToken(`api://${apiClientId}/.default`)).token}` }),
    deadlineOf: (flow) => flows[flow].defaultDeadlineInMs,
    requiresToken: true,
  };
};

/** No target: the running `npm start`; a URL: one host; anything else: an azd environment's name. */
export const resolveTarget = async (target: string | undefined, root: string): Promise<VerifyTarget> => {
  if (target === undefined) return localStack(root);
  if (/^https?:\/\//.test(target)) return oneHost(target);
  return azdEnvironment(root, target);
};
