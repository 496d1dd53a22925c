metadata name = 'Microservice choreography on Azure'
metadata description = 'Event Grid topics fan CloudEvents out to one Flex Consumption Function App per service, each with its own Cosmos DB container. Event subscriptions are deployed afterwards by subscriptions.bicep.'

targetScope = 'resourceGroup'

import {
  appIdentityName
  applicationInsightsName
  appStorageAccountName
  cosmosAccountName
  deadLetterContainerName
  deploymentContainerName
  functionAppName
  keyVaultName
  logAnalyticsName
  planName
  resourceToken
  storageAccountName
  topicName
} from 'naming.bicep'

@description('Required. Name of the environment (the azd environment name); seeds every resource name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Name of the Cosmos DB database.')
param cosmosDatabaseName string = 'choreography'

// Outside systems. The required ones have no default: a deployment without them fails at validation, naming them,
// instead of deploying services that fail every event for 24 hours.

@description('Required. Base URL of the payment gateway API the payments service charges and refunds through (PAYMENT_GATEWAY_URL), e.g. https://gateway.example.com/api.')
@minLength(10)
param paymentGatewayUrl string

@description('Optional. Whether the payment gateway takes an API key (`paymentGatewayApiKey`); false calls it without one.')
param paymentGatewayRequiresApiKey bool = false

@description('Optional. API key of the payment gateway (PAYMENT_GATEWAY_API_KEY), when `paymentGatewayRequiresApiKey`. Stored in Key Vault.')
@secure()
param paymentGatewayApiKey string = ''

@description('Required. Base URL of the bank API the banking service pays top-ups through (BANK_API_URL).')
@minLength(10)
param bankApiUrl string

@description('Optional. Whether the bank API takes an API key (`bankApiKey`); false calls it without one.')
param bankApiRequiresApiKey bool = false

@description('Optional. API key of the bank API (BANK_API_KEY), when `bankApiRequiresApiKey`. Stored in Key Vault.')
@secure()
param bankApiKey string = ''

@description('Required. Base URL of the CRM API the crm service adds contacts through (CRM_API_URL).')
@minLength(10)
param crmApiUrl string

@description('Required. API key of the CRM API (CRM_API_KEY). Stored in Key Vault, never an app setting value.')
@secure()
@minLength(1)
param crmApiKey string

@description('Required. How the email service sends: Azure Communication Services Email with the app\'s identity (`acs`), or an HTTP capture mailbox for test environments (`http`).')
param email emailSettings

@description('Required. App Service authentication: application (client) ID of the Entra ID app registration that represents the API (see infra/README.md). Requests without a token for it get 401; the flows endpoint also needs its Flows.Read app role.')
@minLength(36)
@maxLength(36)
param apiClientId string

@description('Optional. Token audiences accepted besides `api://<apiClientId>` and `apiClientId`.')
param apiAudiences string[] = []

@description('Optional. Days the journal keeps an event (the journal container\'s defaultTtl); flows older than that are gone from GET /api/flows/{id}.')
@minValue(1)
@maxValue(3650)
param journalRetentionInDays int = 30

@description('Optional. Days a deleted Key Vault (or secret) is kept; purge protection is on, so a deleted vault\'s name stays taken that long.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Optional. Node.js major version of every Function App.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Optional. Upper bound of instances per Function App (Flex Consumption accepts 40 to 1000). All apps at this bound must fit `regionalFlexQuotaMB`.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Memory per Function App instance in MB (512 MB = 0.25 core, 2048 MB = 1 core, 4096 MB = 2 cores).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 512

@description('Optional. Per-app overrides of `instanceMemoryMB` and `maximumInstanceCount`, by service name (topology.json), for a production load: `npm run capacity` prints the values its target needs. Apps not named take the two parameters above.')
param appScale { *: appScaleSettings } = {}

@description('Optional. Flex Consumption memory quota of the subscription in this region, in MB: 512,000 (250 cores) unless a quota increase was granted. The deployment fails when every app at its maximum instance count would exceed it, since the platform would throttle scale-out instead.')
@minValue(1)
param regionalFlexQuotaMB int = 512000

@description('Optional. Traces per second each app\'s Azure Monitor exporter keeps (rate-limited sampling); 0 keeps every trace.')
@minValue(0)
@maxValue(1000)
param telemetryTracesPerSecond int = 5

@description('Optional. Days a dead letter is kept before a lifecycle rule deletes it (it may hold payment and bank tokens; see infra/README.md).')
@minValue(1)
@maxValue(365)
param deadLetterRetentionInDays int = 14

@description('Optional. Tags added to every resource.')
param tags resourceTags = {}

@discriminator('provider')
type emailSettings = acsEmail | httpMailbox

@description('Azure Communication Services Email, authenticated with the email app\'s identity.')
type acsEmail = {
  provider: 'acs'

  @description('Required. Endpoint of the Communication Services resource (ACS_EMAIL__endpoint), https://<name>.communication.azure.com.')
  @minLength(10)
  endpoint: string

  @description('Required. Verified MailFrom address of a connected email domain (EMAIL_SENDER_ADDRESS).')
  @minLength(3)
  senderAddress: string

  @description('Required. Resource ID of the Communication Services resource (any resource group of this subscription): the email-sending apps get a role on it.')
  @minLength(60)
  resourceId: string
}

@description('An HTTP mailbox that captures what would be sent; for test environments.')
type httpMailbox = {
  provider: 'http'

  @description('Required. URL of the capture mailbox (MAILBOX_URL).')
  @minLength(10)
  mailboxUrl: string
}

type resourceTags = { *: string }

@description('One app\'s Flex Consumption scale (see `instanceMemoryMB` and `maximumInstanceCount`).')
type appScaleSettings = {
  instanceMemoryMB: (512 | 2048 | 4096)?
  @minValue(40)
  @maxValue(1000)
  maximumInstanceCount: int?
}

// Services, topics and subscriptions come from the manifest (src/topology.ts) through `npm run gen:infra`:
// a new service or reaction needs no edit here.
var topology = loadJsonContent('generated/topology.json')

var token = resourceToken(subscription().id, resourceGroup().id, environmentName)

var allTags = union(tags, { 'azd-env-name': environmentName })

var emailAppSettings = email.provider == 'acs'
  ? { EMAIL_PROVIDER: 'acs', ACS_EMAIL__endpoint: email.endpoint, EMAIL_SENDER_ADDRESS: email.senderAddress }
  : { EMAIL_PROVIDER: 'http', MAILBOX_URL: email.mailboxUrl }

// Services that send email through the shared email port (src/platform/email): each validates the email settings at
// start and needs the Communication Services role. test/package loads every service with exactly these settings.
var emailSenders = [
  'email'
  'notifications'
]

// App settings of the outside systems, by service: URLs as values, secrets as Key Vault references (below).
var outsideSystemSettings = union(
  {
    payments: { PAYMENT_GATEWAY_URL: paymentGatewayUrl }
    banking: { BANK_API_URL: bankApiUrl }
    crm: { CRM_API_URL: crmApiUrl }
  },
  toObject(emailSenders, s => s, _ => emailAppSettings)
)

var acsResourceId = email.provider == 'acs' ? email.resourceId : '/subscriptions/none/resourceGroups/none/providers/x/x/none'

// Each app's scale: its entry in `appScale`, else the two parameters. A name that is no service fails the deployment
// (a typo would otherwise leave that app at the defaults, unnoticed).
var serviceNames = map(topology.services, s => s.name)
var unknownScaledApps = filter(objectKeys(appScale), name => !contains(serviceNames, name))
var scaleOf = toObject(topology.services, s => s.name, s => {
  instanceMemoryMB: appScale[?s.name].?instanceMemoryMB ?? instanceMemoryMB
  maximumInstanceCount: appScale[?s.name].?maximumInstanceCount ?? maximumInstanceCount
})
var flexMemoryAtFullScaleMB = reduce(
  map(topology.services, s => scaleOf[s.name].instanceMemoryMB * scaleOf[s.name].maximumInstanceCount),
  0,
  (total, memory) => total + memory
)
var flexScaleSummary = join(map(topology.services, s => '${s.name} ${scaleOf[s.name].maximumInstanceCount} × ${scaleOf[s.name].instanceMemoryMB} MB'), ', ')

// The journal's flow view reads every service's poison records and Event Grid's dead-letter blobs with its identity
// (rbac.bicep grants it the read roles). By name, not output: what-if can predict the settings.
var flowViewSettings = {
  journal: {
    JOURNAL_DEAD_LETTERS__blobServiceUri: 'https://${storageAccountName(token)}.blob.${environment().suffixes.storage}'
    JOURNAL_DEAD_LETTERS_CONTAINER: deadLetterContainerName
    JOURNAL_POISON_CONTAINERS: join(map(topology.services, s => s.container), ',')
  }
}

// Secret name in the Key Vault by app setting, by service. Decided by switches, never by the secret values, so that
// what-if can predict the settings and role assignments (it cannot read secure values).
var secretSettings = {
  payments: paymentGatewayRequiresApiKey ? { PAYMENT_GATEWAY_API_KEY: 'payment-gateway-api-key' } : {}
  banking: bankApiRequiresApiKey ? { BANK_API_KEY: 'bank-api-key' } : {}
  crm: { CRM_API_KEY: 'crm-api-key' }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring-${token}'
  params: {
    logAnalyticsName: logAnalyticsName(token)
    applicationInsightsName: applicationInsightsName(token)
    location: location
    tags: allTags
  }
}

// Flows by status, stalled flows and per-edge latencies, under the component's Workbooks (infra/README.md, "Workbook").
module flowWorkbook 'modules/flow-workbook.bicep' = {
  name: 'flow-workbook-${token}'
  params: {
    applicationInsightsName: applicationInsightsName(token)
    location: location
    tags: allTags
  }
  dependsOn: [
    monitoring
  ]
}

// Dead letters only: topics write, the journal reads (rbac.bicep), a lifecycle rule deletes them. No app has a role on it.
module storage 'modules/storage.bicep' = {
  name: 'storage-${token}'
  params: {
    name: storageAccountName(token)
    containerNames: [deadLetterContainerName]
    deleteBlobsAfterDays: deadLetterRetentionInDays
    expiringContainerNames: [deadLetterContainerName]
    location: location
    tags: allTags
  }
}

// One account per app: no app can overwrite another's package, read its host keys or break its leases.
module appStorage 'modules/storage.bicep' = [
  for service in topology.services: {
    name: 'storage-${service.name}-${token}'
    params: {
      name: appStorageAccountName(service.name, token)
      containerNames: [deploymentContainerName(service.name)]
      location: location
      tags: union(allTags, { 'choreography-service': service.name })
    }
  }
]

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault-${token}'
  params: {
    name: keyVaultName(token)
    secretNames: flatten(map(items(secretSettings), service => map(items(service.value), setting => setting.value)))
    secretValues: {
      'payment-gateway-api-key': paymentGatewayApiKey
      'bank-api-key': bankApiKey
      'crm-api-key': crmApiKey
    }
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    location: location
    tags: allTags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos-${token}'
  params: {
    name: cosmosAccountName(token)
    databaseName: cosmosDatabaseName
    containerNames: map(topology.services, s => s.container)
    // Journal entries expire; every other container keeps items unless an item sets its own ttl.
    defaultTtlByContainer: toObject(
      filter(topology.services, s => s.name == 'journal'),
      s => s.container,
      _ => journalRetentionInDays * 86400
    )
    // Only the paths queries read (src/containerIndexing.ts), the journal's composite indexes for GET /api/flows included.
    indexingPolicyByContainer: loadJsonContent('generated/indexing-policies.json').containers
    location: location
    tags: allTags
  }
}

module topics 'modules/event-grid-topics.bicep' = {
  name: 'topics-${token}'
  params: {
    topics: map(topology.topics, topic => { topic: topic, name: topicName(topic, token) })
    location: location
    tags: allTags
  }
}

var topicEndpoints = toObject(topics.outputs.topics, t => t.topic, t => t.endpoint)

// Created and granted before the sites: Key Vault references, the package and host storage work on the first start.
module identities 'modules/app-identity.bicep' = [
  for (service, i) in topology.services: {
    name: 'identity-${service.name}-${token}'
    params: {
      name: appIdentityName(service.name, token)
      serviceName: service.name
      storageAccountName: appStorageAccountName(service.name, token)
      keyVaultName: keyVaultName(token)
      secretNames: map(items(secretSettings[?service.name] ?? {}), setting => setting.value)
      location: location
      tags: allTags
    }
    dependsOn: [
      appStorage
      keyVault
    ]
  }
]

module apps 'modules/function-app.bicep' = [
  for (service, i) in topology.services: {
    name: 'function-app-${service.name}-${token}'
    params: {
      name: functionAppName(service.name, token)
      planName: planName(service.name, token)
      serviceName: service.name
      // Names, not outputs: what-if can then predict the app (dependsOn keeps the order).
      storageAccountName: appStorageAccountName(service.name, token)
      deploymentContainerName: deploymentContainerName(service.name)
      // Outputs, not names: the site waits for the identity's role assignments.
      identityResourceId: identities[i].outputs.resourceId
      identityClientId: identities[i].outputs.clientId
      applicationInsightsName: applicationInsightsName(token)
      cosmosEndpoint: cosmos.outputs.endpoint
      cosmosDatabaseName: cosmos.outputs.databaseName
      publishesTo: service.publishesTo
      topicEndpoints: topicEndpoints
      extraSettings: union(outsideSystemSettings[?service.name] ?? {}, flowViewSettings[?service.name] ?? {})
      keyVaultReferenceSettings: secretSettings[?service.name] ?? {}
      keyVaultName: keyVaultName(token)
      apiClientId: apiClientId
      apiAudiences: apiAudiences
      nodeVersion: nodeVersion
      maximumInstanceCount: !empty(unknownScaledApps)
        ? fail('appScale names ${join(unknownScaledApps, ', ')}, which is no service of this deployment (services: ${join(serviceNames, ', ')})')
        : flexMemoryAtFullScaleMB <= regionalFlexQuotaMB
            ? scaleOf[service.name].maximumInstanceCount
            : fail('every app at its maximum scale (${flexScaleSummary}) takes ${flexMemoryAtFullScaleMB} MB, over the regional Flex Consumption quota of ${regionalFlexQuotaMB} MB (regionalFlexQuotaMB): lower maximumInstanceCount, instanceMemoryMB or appScale, or raise the quota')
      instanceMemoryMB: scaleOf[service.name].instanceMemoryMB
      telemetryTracesPerSecond: telemetryTracesPerSecond
      location: location
      tags: allTags
    }
    dependsOn: [
      appStorage
      monitoring
      keyVault
    ]
  }
]

module rbac 'modules/rbac.bicep' = {
  name: 'rbac-${token}'
  params: {
    apps: [
      for (service, i) in topology.services: {
        service: service.name
        principalId: apps[i].outputs.principalId
        container: service.container
        publishesTo: service.publishesTo
      }
    ]
    topics: map(topology.topics, topic => { topic: topic, resourceName: topicName(topic, token) })
    topicIdentities: [for (topic, i) in topology.topics: { topic: topic, principalId: topics.outputs.topics[i].principalId }]
    storageAccountName: storageAccountName(token)
    deadLetterContainerName: deadLetterContainerName
    cosmosAccountName: cosmosAccountName(token)
    cosmosDatabaseName: cosmosDatabaseName
    applicationInsightsName: applicationInsightsName(token)
  }
  dependsOn: [
    storage
    monitoring
    keyVault
  ]
}

// The Communication Services resource may live in another resource group of the subscription: the role is assigned there.
module emailSenderRoles 'modules/communication-role.bicep' = if (email.provider == 'acs') {
  name: 'email-senders-${token}'
  scope: resourceGroup(split(acsResourceId, '/')[2], split(acsResourceId, '/')[4])
  params: {
    communicationServiceName: last(split(acsResourceId, '/'))
    apps: [for (service, i) in topology.services: { service: service.name, principalId: apps[i].outputs.principalId }]
    senderServices: emailSenders
  }
}

// Outputs become azd environment values; the deploy scripts read them too.
@description('Location of the resources.')
output AZURE_LOCATION string = location

@description('Resource group of the resources.')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Environment name subscriptions.bicep needs to find these resources.')
output AZURE_ENV_NAME string = environmentName

@description('Function App name per service.')
output FUNCTION_APP_NAMES { *: string } = toObject(topology.services, s => s.name, s => functionAppName(s.name, token))

@description('Publish endpoint per topic.')
output EVENTGRID_TOPIC_ENDPOINTS { *: string } = topicEndpoints

@description('Cosmos DB document endpoint.')
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint

@description('Cosmos DB database name.')
output COSMOS_DATABASE_NAME string = cosmos.outputs.databaseName

@description('Storage account holding the dead letters (each app has its own account for host storage and its package).')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob container Event Grid dead-letters into.')
output DEAD_LETTER_CONTAINER_NAME string = deadLetterContainerName

@description('Application Insights component.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name

@description('Key Vault holding the outside systems\' secrets.')
output VAULT_NAME string = keyVaultName(token)

@description('Application (client) ID of the API\'s app registration; tokens are requested for api://<this>.')
output API_CLIENT_ID string = apiClientId

@description('Number of role assignments made; a deploy script can compare it with what it expects.')
output ROLE_ASSIGNMENT_COUNT int = rbac.outputs.roleAssignmentCount + 3 * length(topology.services) + length(flatten(map(
  items(secretSettings),
  service => items(service.value)
))) + (email.provider == 'acs' ? length(emailSenders) : 0)
