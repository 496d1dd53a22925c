import { AzureCliCredential } from "@azure/identity";
import { LOCAL_FLOW_DEADLINE_MS } from "../../dev/journalSettings";
import { localDataDir, readStackInfo } from "../../dev/stackInfo";
import { FlowName, flows } from "../../src/flows";
import { ServiceName } from "../../src/topology";
import { AzdEnvironmentError, functionAppsOf, readAzdEnvironment } from "../lib/azdEnvironment";
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

/**
 * A deployment made with `azd up`: the apps of the environment's resource group (found by their `azd-service-name`
 * tag, as azd finds them), called with the signed-in Azure CLI user's token for the API's app registration.
 */
const azdEnvironment = async (root: string, name: string): Promise<VerifyTarget> => {
  const env = readAzdEnvironment(root, name);
  const apiClientId = env.values.API_CLIENT_ID;
  if (!apiClientId) throw new TargetError(`azd environment ${name} has no API_CLIENT_ID (azd env set API_CLIENT_ID <app id>)`);
  const apps = await functionAppsOf(env);
  const credential = new AzureCliCredential();
  return {
    label: `azd environment ${name} (${env.resourceGroup})`,
    urlOf: (service: ServiceName) => {
      const app = apps.get(service);
      if (!app) throw new TargetError(`No Function App tagged azd-service-name=${service} in ${env.resourceGroup}`);
      return `https://${app.host}`;
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
  return azdEnvironment(root, target).catch((error: unknown) => {
    throw error instanceof AzdEnvironmentError ? new TargetError(`--target ${target}: ${error.message}`) : error;
  });
};
