metadata name = 'Function App (Flex Consumption)'
metadata description = 'One service\'s Linux Function App on its own Flex Consumption plan, Node.js, system-assigned identity, identity-based connections only.'

@description('Required. Name of the Function App.')
@minLength(2)
@maxLength(60)
param name string

@description('Required. Name of the Flex Consumption plan (one plan per app).')
param planName string

@description('Required. The service this app hosts; becomes the SERVICES app setting and the azd-service-name tag.')
param serviceName string

@description('Required. Name of the app\'s own storage account: host storage (AzureWebJobsStorage) and its deployment package.')
param storageAccountName string

@description('Required. Resource ID of the app\'s user-assigned identity, already granted its storage and Key Vault secrets (app-identity.bicep): used for Key Vault references, the deployment package and host storage.')
param identityResourceId string

@description('Required. Client ID of that identity (AzureWebJobsStorage__clientId).')
param identityClientId string

@description('Required. Blob container in that account holding this app\'s deployment package.')
param deploymentContainerName string

@description('Required. Name of the Application Insights component (local auth disabled).')
param applicationInsightsName string

@description('Required. Cosmos DB document endpoint.')
param cosmosEndpoint string

@description('Required. Cosmos DB database name.')
param cosmosDatabaseName string

@description('Required. Topic shards this service publishes to (orders, orders-1, …); each gets an EVENTGRID_<TOPIC>[_<SHARD>]__topicEndpointUri setting.')
param publishesTo string[]

@description('Required. Publish endpoint of every topic shard, by shard name.')
param topicEndpoints { *: string }

@description('Optional. Service-specific settings (external URLs, feature switches) merged into the app settings. Never credentials: a name ending in `__key` is dropped.')
param extraSettings { *: string } = {}

@description('Optional. Settings whose value is a secret in the Key Vault, by setting name: the secret\'s name. The app resolves each through a Key Vault reference with its user-assigned identity, which needs Key Vault Secrets User on the secret before the site exists.')
param keyVaultReferenceSettings { *: string } = {}

@description('Optional. Key Vault holding the secrets of `keyVaultReferenceSettings`; required when `keyVaultReferenceSettings` is not empty.')
param keyVaultName string = ''

@description('Required. App Service authentication: application (client) ID of the Entra ID app registration representing the API. Every request needs a token for it, except Event Grid\'s deliveries.')
param apiClientId string

@description('Optional. Token audiences accepted besides `api://<apiClientId>` and `apiClientId`.')
param apiAudiences string[] = []

@description('Optional. Traces per second the Azure Monitor exporter keeps (rate-limited sampling, APPLICATIONINSIGHTS_TRACES_PER_SECOND); 0 keeps every trace.')
@minValue(0)
param telemetryTracesPerSecond int = 5

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

@description('Optional. Node.js major version.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Optional. Upper bound of instances the app scales out to; bounds the bill of a retry storm. Flex Consumption accepts 40 to 1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

type resourceTags = { *: string }

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Keys exist only for local emulators; in Azure every connection is identity-based, so a key setting is never deployed.
var externalSettings = toObject(
  filter(items(extraSettings), setting => !endsWith(toLower(setting.key), '__key')),
  setting => setting.key,
  setting => setting.value
)

// Versionless references: a rotated secret reaches the app within a day without a redeployment.
var keyVaultReferences = toObject(
  items(keyVaultReferenceSettings),
  setting => setting.key,
  setting => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${setting.value})'
)

var topicSettings = toObject(
  publishesTo,
  // Shard `orders-3` → EVENTGRID_ORDERS_3 (app setting names take no '-'); shard 0 keeps the topic's name.
  topic => 'EVENTGRID_${toUpper(replace(topic, '-', '_'))}__topicEndpointUri',
  topic => topicEndpoints[topic]
)

// Later objects win in union(): the identity-based settings cannot be overridden by extraSettings.
// FUNCTIONS_WORKER_RUNTIME is absent on purpose: Flex Consumption rejects it and takes functionAppConfig.runtime instead.
var appSettings = union(externalSettings, keyVaultReferences, topicSettings, {
  SERVICES: serviceName
  COSMOS__accountEndpoint: cosmosEndpoint
  COSMOS_DATABASE_NAME: cosmosDatabaseName
  AzureWebJobsStorage__accountName: storage.name
  // The user-assigned identity, granted before the site exists: the host can start on its storage at once.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Allowed exception to "no connection strings": Application Insights has local auth disabled, so the
  // instrumentation key in it authorizes nothing; telemetry is accepted only with the app's Entra ID token.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  // host.json's samplingSettings are ignored in OpenTelemetry mode; the worker's exporter samples instead (telemetry.ts).
  APPLICATIONINSIGHTS_TRACES_PER_SECOND: string(telemetryTracesPerSecond)
  // With authentication in front (below), the code checks app roles (the flows endpoint needs Flows.Read).
  APP_ROLES_ENFORCED: 'true'
})

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned, UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    // Key Vault references resolve with the identity granted before this site existed, not the system identity
    // (granted only afterwards, in rbac.bicep): no reference is ever read before its role exists.
    keyVaultReferenceIdentity: identityResourceId
    httpsOnly: true
    clientCertEnabled: false
    // Event Grid delivers over the public endpoint; the webhook is protected by the system key Event Grid holds.
    publicNetworkAccess: 'Enabled'
    // No ftpsState: Flex Consumption has no FTP endpoint and rejects the property; basic auth is off below.
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      appSettings: map(items(appSettings), setting => { name: setting.key, value: setting.value })
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// App Service authentication in front of every request: no valid Entra ID token for the API, 401 before the code runs.
// Event Grid delivers to the host's webhook with the Event Grid extension's system key, never an Entra token, so that
// path is excluded; the key still protects it (the host answers 401 without it). Both spellings: the path is matched
// as written and the host itself ignores case (AzureFunction endpoints use /runtime/webhooks/EventGrid).
resource authentication 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/runtime/webhooks/eventgrid'
        '/runtime/webhooks/EventGrid'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          clientId: apiClientId
        }
        validation: {
          allowedAudiences: concat(['api://${apiClientId}', apiClientId], apiAudiences)
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}

// Deployments (azd, az functionapp deployment source config-zip) authenticate with Entra ID; no publishing password.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('The name of the Function App.')
output name string = site.name

@description('The resource ID of the Function App.')
output resourceId string = site.id

@description('The principal ID of the app\'s system-assigned identity.')
output principalId string = site.identity.principalId

@description('The default host name of the app.')
output defaultHostName string = site.properties.defaultHostName
