/**
 * One set of deployment parameters for every test that reads what main.bicep compiles to (test/infra, test/package):
 * every required parameter, one optional secret set (bank) and one left empty (payment gateway).
 */
export const snapshotScope = {
  subscriptionId: "00000000-0000-0000-0000-0000000000aa",
  resourceGroup: "rg-infra-test",
  location: "westeurope",
} as const;

export const secretValues = { bankApiKey: "bank-secret-value-123", crmApiKey: "crm-secret-value-456" } as const;

export const apiClientId = "11111111-2222-3333-4444-555555555555";

export const acsResourceId =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-shared-comms/providers/Microsoft.Communication/communicationServices/acs-test";

export const mainParams = {
  environmentName: "infra-test",
  paymentGatewayUrl: "https://gateway.example/api",
  bankApiUrl: "https://bank.example/api",
  bankApiRequiresApiKey: true,
  bankApiKey: secretValues.bankApiKey,
  crmApiUrl: "https://crm.example/api",
  crmApiKey: secretValues.crmApiKey,
  email: {
    provider: "acs",
    endpoint: "https://acs-test.communication.azure.com",
    senderAddress: "noreply@example.com",
    resourceId: acsResourceId,
  },
  apiClientId,
};
