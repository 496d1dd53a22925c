import { ConfigError, parseConfig } from "#src/platform/config";

const settings = {
  COSMOS__accountEndpoint: "https://cosmos.documents.azure.com:443/",
  CRM_API_URL: "https://crm.example/api",
};

describe("a host whose Key Vault references did not resolve", () => {
  it("refuses to start, in one line naming each setting that still holds a reference", () => {
    const env = {
      ...settings,
      CRM_API_KEY: "@Microsoft.KeyVault(VaultName=kv-x;SecretName=crm-api-key)",
      BANK_API_KEY: " @Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/bank-api-key/)",
    };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(/^Key Vault reference not resolved for BANK_API_KEY, CRM_API_KEY: [^\n]+$/);
  });

  it("starts when every reference resolved to the secret's value", () => {
    expect(parseConfig({ ...settings, CRM_API_KEY: "the-resolved-key" }).COSMOS__accountEndpoint).toBe(settings.COSMOS__accountEndpoint);
  });
});
