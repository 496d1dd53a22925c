/**
 * The app settings `main.bicep` gives each service's site, read from `bicep snapshot` of the compiled template with
 * the shared test parameters (deploymentFixture.ts). What Azure resolves at deploy or start time is stubbed with a
 * well-formed value of the same kind: Key Vault references become the secret's value, `[reference(...)]` expressions
 * an endpoint of the right shape. An expression with no stub fails, naming the setting, so a new one is not guessed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBicep, runBicep, snapshotTemplate } from "./bicepCli";
import { mainParams, secretValues, snapshotScope } from "./deploymentFixture";
import { appSettingsOf, ofType } from "./infraChecks";

const secretByName: Readonly<Record<string, string>> = {
  "crm-api-key": secretValues.crmApiKey,
  "bank-api-key": secretValues.bankApiKey,
};

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(VaultName=[^;]+;SecretName=([\w-]+)\)$/;

/** A deploy-time value Azure computes, by the setting that holds it. */
const stubFor = (name: string): string | undefined => {
  if (name.endsWith("__accountEndpoint")) return "https://cosmos-stub.documents.azure.com:443/";
  const topic = /^EVENTGRID_(\w+)__topicEndpointUri$/.exec(name)?.[1];
  if (topic) return `https://evgt-${topic.toLowerCase()}-stub.westeurope-1.eventgrid.azure.net/api/events`;
  if (name.endsWith("__blobServiceUri")) return "https://ststub.blob.core.windows.net";
  if (name.endsWith("__clientId")) return "00000000-0000-0000-0000-00000000c11d";
  // Nothing listens there: the exporter loads and sends nothing before the test's process exits.
  if (name === "APPLICATIONINSIGHTS_CONNECTION_STRING") return "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/";
  return undefined;
};

export class UnstubbedSettingError extends Error {
  readonly code = "INFRA_TEST.UNSTUBBED_SETTING";
}

/** One site's settings as the app would see them once Azure has resolved them. */
export const resolveLikeAzure = (service: string, settings: Readonly<Record<string, unknown>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(settings).map(([name, raw]) => {
      const value = String(raw);
      const secret = KEY_VAULT_REFERENCE.exec(value)?.[1];
      if (secret !== undefined) {
        const resolved = secretByName[secret];
        if (resolved === undefined) throw new UnstubbedSettingError(`${service}: ${name} references secret ${secret}, which the test parameters do not set`);
        return [name, resolved];
      }
      if (!value.startsWith("[")) return [name, value];
      const stub = stubFor(name);
      if (stub === undefined) throw new UnstubbedSettingError(`${service}: ${name} is the deploy-time expression ${value.slice(0, 120)}; add a stub for it`);
      return [name, stub];
    }),
  );

/** Builds main.bicep and returns, per service, exactly the settings its site gets (resolved like Azure would). */
export const compiledAppSettings = (repoRoot: string): Record<string, Record<string, string>> => {
  const cli = requireBicep(repoRoot);
  const out = mkdtempSync(join(tmpdir(), "compiled-settings-"));
  try {
    const built = runBicep(cli, ["build", "infra/main.bicep", "--outdir", out], repoRoot);
    if (built.status !== 0) throw new Error(`bicep build infra/main.bicep failed:\n${built.stderr}`);
    const snapshot = snapshotTemplate(cli, join(out, "main.json"), mainParams, snapshotScope);
    return Object.fromEntries(
      ofType(snapshot, "Microsoft.Web/sites").map((site) => {
        const settings = appSettingsOf(site);
        const service = String(settings.SERVICES);
        return [service, resolveLikeAzure(service, settings)];
      }),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};
