using 'main.bicep'

// Every value comes from an environment variable: azd passes its environment (`azd env set NAME value`, stored in
// .azure/<env>/.env), and `az deployment group create --parameters infra/main.bicepparam` passes the shell's.
// A required variable that is not set fails the build of this file with its name, before anything is deployed.

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')

// Secrets. `azd env set-secret` cannot be used for them: azd resolves its akvs:// references only for parameters
// mapped in main.parameters.json, not in .bicepparam files (azd docs, "Environment secrets"), so readEnvironmentVariable
// would read the reference's text and deploy it as the key. Such a value fails the build here, naming the variable.
var secretReferenceHelp = 'is an azd secret reference (akvs://, from azd env set-secret), which azd does not resolve for .bicepparam files; set the value itself (infra/README.md, "Secrets")'
var paymentGatewayApiKeyValue = readEnvironmentVariable('PAYMENT_GATEWAY_API_KEY', '')
var bankApiKeyValue = readEnvironmentVariable('BANK_API_KEY', '')
var crmApiKeyValue = readEnvironmentVariable('CRM_API_KEY')

param paymentGatewayUrl = readEnvironmentVariable('PAYMENT_GATEWAY_URL')
param paymentGatewayRequiresApiKey = !empty(paymentGatewayApiKeyValue)
param paymentGatewayApiKey = startsWith(paymentGatewayApiKeyValue, 'akvs://')
  ? fail('PAYMENT_GATEWAY_API_KEY ${secretReferenceHelp}')
  : paymentGatewayApiKeyValue
param bankApiUrl = readEnvironmentVariable('BANK_API_URL')
param bankApiRequiresApiKey = !empty(bankApiKeyValue)
param bankApiKey = startsWith(bankApiKeyValue, 'akvs://') ? fail('BANK_API_KEY ${secretReferenceHelp}') : bankApiKeyValue
param crmApiUrl = readEnvironmentVariable('CRM_API_URL')
param crmApiKey = startsWith(crmApiKeyValue, 'akvs://') ? fail('CRM_API_KEY ${secretReferenceHelp}') : crmApiKeyValue

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
