// Resource names shared by main.bicep and subscriptions.bicep, so the second deployment finds what the first created
// from nothing but the environment name. Abbreviations follow the Cloud Adoption Framework list (abbreviations.json).

var abbrs = loadJsonContent('abbreviations.json')

@export()
@description('Blob container Event Grid dead-letters undeliverable events into.')
var deadLetterContainerName = 'dead-letters'

@export()
@description('13 lower-case characters, stable for one environment in one resource group, unique across them.')
func resourceToken(subscriptionId string, resourceGroupId string, environmentName string) string =>
  toLower(uniqueString(subscriptionId, resourceGroupId, environmentName))

// The service name comes first: the Functions host id is the app name cut to 32 characters, and apps sharing one
// storage account need distinct host ids ('func-' + a service name of up to 13 characters + '-' + token fits).
@export()
@description('Function App of one service.')
func functionAppName(service string, token string) string => '${abbrs.webSitesFunctions}${service}-${token}'

@export()
@description('Flex Consumption plan of one service (one plan per app).')
func planName(service string, token string) string => '${abbrs.webServerFarms}${service}-${token}'

@export()
@description('Blob container holding the Flex Consumption deployment package of one service.')
func deploymentContainerName(service string) string => 'app-package-${service}'

@export()
@description('Event Grid custom topic of one domain (orders, users, wallet).')
func topicName(topic string, token string) string => '${abbrs.eventGridTopics}${topic}-${token}'

@export()
@description('Cosmos DB account.')
func cosmosAccountName(token string) string => '${abbrs.documentDBDatabaseAccounts}${token}'

@export()
@description('Storage account of the dead letters only: every topic writes there, only the journal (and operators) read.')
func storageAccountName(token string) string => '${abbrs.storageStorageAccounts}${token}'

// One account per app: host storage (leases, host keys in azure-webjobs-secrets) and the deployment package are
// readable and writable by that app alone. 'st' + 13 characters of uniqueString fits the 24-character limit.
@export()
@description('Storage account of one app: its Functions host storage and its deployment package.')
func appStorageAccountName(service string, token string) string =>
  '${abbrs.storageStorageAccounts}${uniqueString(token, service)}'

@export()
@description('User-assigned identity of one app: created and granted its Key Vault secrets and its storage before the app exists.')
func appIdentityName(service string, token string) string => '${abbrs.managedIdentityUserAssignedIdentities}${service}-${token}'

@export()
@description('Log Analytics workspace.')
func logAnalyticsName(token string) string => '${abbrs.operationalInsightsWorkspaces}${token}'

@export()
@description('Application Insights component.')
func applicationInsightsName(token string) string => '${abbrs.insightsComponents}${token}'

@export()
@description('Key Vault holding the outside systems\' secrets (3-24 characters: \'kv-\' + token).')
func keyVaultName(token string) string => '${abbrs.keyVaultVaults}${token}'
