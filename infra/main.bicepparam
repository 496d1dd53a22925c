using 'main.bicep'

// Every value comes from an environment variable: azd passes its environment (`azd env set NAME value`, stored in
// .azure/<env>/.env), and `az deployment group create --parameters infra/main.bicepparam` passes the shell's.
// A required variable that is not set fails the build of this file with its name, before anything is deployed.

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')

param paymentGatewayUrl = readEnvironmentVariable('PAYMENT_GATEWAY_URL')
param paymentGatewayRequiresApiKey = !empty(readEnvironmentVariable('PAYMENT_GATEWAY_API_KEY', ''))
param paymentGatewayApiKey = readEnvironmentVariable('PAYMENT_GATEWAY_API_KEY', '')
param bankApiUrl = readEnvironmentVariable('BANK_API_URL')
param bankApiRequiresApiKey = !empty(readEnvironmentVariable('BANK_API_KEY', ''))
param bankApiKey = readEnvironmentVariable('BANK_API_KEY', '')
param crmApiUrl = readEnvironmentVariable('CRM_API_URL')
param crmApiKey = readEnvironmentVariable('CRM_API_KEY')

// Azure Communication Services Email. For an HTTP capture mailbox (test environments) deploy with your own
// parameters: email = { provider: 'http', mailboxUrl: '…' }.
param email = {
  provider: 'acs'
  endpoint: readEnvironmentVariable('ACS_EMAIL_ENDPOINT')
  senderAddress: readEnvironmentVariable('EMAIL_SENDER_ADDRESS')
  resourceId: readEnvironmentVariable('ACS_RESOURCE_ID')
}

param apiClientId = readEnvironmentVariable('API_CLIENT_ID')

param journalRetentionInDays = int(readEnvironmentVariable('JOURNAL_RETENTION_IN_DAYS', '30'))
