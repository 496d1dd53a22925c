metadata name = 'Role assignments'
metadata description = 'Least-privilege data-plane roles of the apps\' system identities (granted after the sites exist): each app on its own Cosmos container, EventGrid Data Sender on the topics it publishes to only, telemetry; each topic on the dead-letter container; the flow view (journal) reads every container\'s poison records and the dead letters. Host storage and Key Vault secrets belong to each app\'s user-assigned identity (app-identity.bicep).'

@description('Required. One entry per Function App.')
param apps appAccess[]

@description('Required. One entry per Event Grid topic: where to find it.')
param topics topicRef[]

@description('Required. One entry per Event Grid topic: its system-assigned identity, which writes dead letters.')
param topicIdentities topicIdentity[]

@description('Required. Name of the storage account holding the dead letters.')
param storageAccountName string

@description('Required. Name of the dead-letter blob container.')
param deadLetterContainerName string

@description('Optional. The service whose app shows flows: it gets Cosmos DB Built-in Data Reader on every other service\'s container (their poison records) and Storage Blob Data Reader on the dead-letter container.')
param flowViewService string = 'journal'

@description('Required. Name of the Cosmos DB account.')
param cosmosAccountName string

@description('Required. Name of the Cosmos DB database.')
param cosmosDatabaseName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string


type appAccess = {
  @description('Required. Service name.')
  service: string

  @description('Required. Principal ID of the app\'s system-assigned identity.')
  principalId: string

  @description('Required. The service\'s own Cosmos container.')
  container: string

  @description('Required. Topic names (keys of `topics`) the service publishes to.')
  publishesTo: string[]
}

type topicRef = {
  @description('Required. Topic name as in the manifest (orders, users, wallet).')
  topic: string

  @description('Required. Resource name of the Event Grid topic.')
  resourceName: string
}

type topicIdentity = {
  @description('Required. Topic name as in the manifest.')
  topic: string

  @description('Required. Principal ID of the topic\'s system-assigned identity.')
  principalId: string
}

// Built-in role definition IDs (the same in every tenant).
var roles = {
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  cosmosDataReader: '00000000-0000-0000-0000-000000000001'
  cosmosDataContributor: '00000000-0000-0000-0000-000000000002'
}

var topicKeys = map(topics, t => t.topic)

// One (app, topic) pair per topic an app publishes to: the sender role goes on exactly those topics.
var senderGrants = flatten(map(
  apps,
  app => map(app.publishesTo, topic => { service: app.service, principalId: app.principalId, topic: topic })
))

var flowViewers = filter(apps, app => app.service == flowViewService)

// One (viewer, container) pair per other service's container: read-only, for the poison records a flow view shows.
var poisonReads = flatten(map(
  flowViewers,
  viewer => map(filter(apps, app => app.container != viewer.container), app => { service: viewer.service, principalId: viewer.principalId, container: app.container })
))

resource topicResources 'Microsoft.EventGrid/topics@2025-02-15' existing = [
  for t in topics: {
    name: t.resourceName
  }
]

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetters 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' existing = {
  name: cosmosAccountName

  resource dataContributor 'sqlRoleDefinitions' existing = {
    name: roles.cosmosDataContributor
  }

  resource dataReader 'sqlRoleDefinitions' existing = {
    name: roles.cosmosDataReader
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource eventGridSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in senderGrants: {
    name: guid(topicResources[indexOf(topicKeys, grant.topic)].id, grant.principalId, roles.eventGridDataSender)
    scope: topicResources[indexOf(topicKeys, grant.topic)]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
      principalId: grant.principalId
      principalType: 'ServicePrincipal'
      description: '${grant.service} publishes to the ${grant.topic} topic'
    }
  }
]

resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for app in apps: {
    name: guid(applicationInsights.id, app.principalId, roles.monitoringMetricsPublisher)
    scope: applicationInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
      principalId: app.principalId
      principalType: 'ServicePrincipal'
      description: '${app.service} sends telemetry with Entra ID'
    }
  }
]

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for t in topicIdentities: {
    name: guid(storage::blobService::deadLetters.id, t.principalId, roles.storageBlobDataContributor)
    scope: storage::blobService::deadLetters
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
      principalId: t.principalId
      principalType: 'ServicePrincipal'
      description: 'The ${t.topic} topic dead-letters undeliverable events'
    }
  }
]

// The flow view lists a flow's dead letters from the blobs Event Grid wrote; reading is all it may do there.
resource deadLetterReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for viewer in flowViewers: {
    name: guid(storage::blobService::deadLetters.id, viewer.principalId, roles.storageBlobDataReader)
    scope: storage::blobService::deadLetters
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
      principalId: viewer.principalId
      principalType: 'ServicePrincipal'
      description: '${viewer.service} shows the dead letters of a flow'
    }
  }
]

// Scoped to the service's own container: a service cannot read or write another service's data.
// One at a time: Cosmos DB rejects concurrent role-assignment writes on one account.
@batchSize(1)
resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2026-03-15' = [
  for app in apps: {
    parent: cosmos
    name: guid(cosmos.id, app.container, app.principalId, roles.cosmosDataContributor)
    properties: {
      roleDefinitionId: cosmos::dataContributor.id
      principalId: app.principalId
      scope: '${cosmos.id}/dbs/${cosmosDatabaseName}/colls/${app.container}'
    }
  }
]

// Read-only and per container (Cosmos DB roles cannot be scoped to the `poison` partition): the flow view queries each
// service's poison records of a flow. After the contributors, one at a time, for the same reason as above.
@batchSize(1)
resource cosmosPoisonReader 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2026-03-15' = [
  for read in poisonReads: {
    parent: cosmos
    name: guid(cosmos.id, read.container, read.principalId, roles.cosmosDataReader)
    properties: {
      roleDefinitionId: cosmos::dataReader.id
      principalId: read.principalId
      scope: '${cosmos.id}/dbs/${cosmosDatabaseName}/colls/${read.container}'
    }
    dependsOn: [
      cosmosDataContributor
    ]
  }
]

@description('The name of this deployment.')
output name string = deployment().name

// No per-assignment resource ID outputs: Bicep 0.49 compiles `eventGridSender[i].id` in an output loop with the
// scope of topics[i] instead of the grant's topic, which fails the deployment (caught by `bicep snapshot` in test/infra).
@description('The number of role assignments this module makes.')
output roleAssignmentCount int = length(senderGrants) + 2 * length(apps) + length(topicIdentities) + length(flowViewers) + length(poisonReads)
