metadata name = 'Microservice choreography on Azure'
metadata description = 'Event Grid topics fan CloudEvents out to one Flex Consumption Function App per service, each with its own Cosmos DB container. Event subscriptions are deployed afterwards by subscriptions.bicep.'

targetScope = 'resourceGroup'

import {
  applicationInsightsName
  cosmosAccountName
  deadLetterContainerName
  deploymentContainerName
  functionAppName
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

@description('Optional. Extra app settings per service, e.g. { payments: { PAYMENT_GATEWAY_URL: \'https://…\' } }. URLs and switches only: names ending in `__key` are dropped.')
param serviceSettings serviceSettingsType = {}

@description('Optional. Node.js major version of every Function App.')
@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@description('Optional. Upper bound of instances per Function App.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Memory per Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Tags added to every resource.')
param tags resourceTags = {}

type serviceSettingsType = { *: { *: string } }

type resourceTags = { *: string }

// Services, topics and subscriptions come from the manifest (src/topology.ts) through `npm run gen:infra`:
// a new service or reaction needs no edit here.
var topology = loadJsonContent('generated/topology.json')

var token = resourceToken(subscription().id, resourceGroup().id, environmentName)

var allTags = union(tags, { 'azd-env-name': environmentName })

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring-${token}'
  params: {
    logAnalyticsName: logAnalyticsName(token)
    applicationInsightsName: applicationInsightsName(token)
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage-${token}'
  params: {
    name: storageAccountName(token)
    containerNames: concat([deadLetterContainerName], map(topology.services, s => deploymentContainerName(s.name)))
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

module apps 'modules/function-app.bicep' = [
  for service in topology.services: {
    name: 'function-app-${service.name}-${token}'
    params: {
      name: functionAppName(service.name, token)
      planName: planName(service.name, token)
      serviceName: service.name
      // Names, not outputs: what-if can then predict the app (dependsOn keeps the order).
      storageAccountName: storageAccountName(token)
      deploymentContainerName: deploymentContainerName(service.name)
      applicationInsightsName: applicationInsightsName(token)
      cosmosEndpoint: cosmos.outputs.endpoint
      cosmosDatabaseName: cosmos.outputs.databaseName
      publishesTo: service.publishesTo
      topicEndpoints: topicEndpoints
      extraSettings: serviceSettings[?service.name] ?? {}
      nodeVersion: nodeVersion
      maximumInstanceCount: maximumInstanceCount
      instanceMemoryMB: instanceMemoryMB
      location: location
      tags: allTags
    }
    dependsOn: [
      storage
      monitoring
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
  ]
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

@description('Storage account holding host storage, deployment packages and dead letters.')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob container Event Grid dead-letters into.')
output DEAD_LETTER_CONTAINER_NAME string = deadLetterContainerName

@description('Application Insights component.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.name

@description('Number of role assignments made; a deploy script can compare it with what it expects.')
output ROLE_ASSIGNMENT_COUNT int = rbac.outputs.roleAssignmentCount
