metadata name = 'Event Grid custom topics'
metadata description = 'CloudEvents 1.0 custom topics that accept Entra ID-authenticated publishers only, each with a system-assigned identity for dead-lettering.'

@description('Required. Topics to create: the manifest\'s topic name and the resource name.')
param topics topicSpec[]

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

type topicSpec = {
  @description('Required. Topic shard as in the manifest (orders, orders-1, …, users, wallet).')
  topic: string

  @description('Required. Resource name (3-50 letters, digits, hyphens).')
  @minLength(3)
  @maxLength(50)
  name: string
}

type topicInfo = {
  @description('Topic name as in the manifest.')
  topic: string

  @description('Resource name.')
  name: string

  @description('Resource ID.')
  resourceId: string

  @description('Publish endpoint (EVENTGRID_<TOPIC>__topicEndpointUri).')
  endpoint: string

  @description('Principal ID of the topic\'s system-assigned identity.')
  principalId: string
}

type resourceTags = { *: string }

resource topicResources 'Microsoft.EventGrid/topics@2025-02-15' = [
  for t in topics: {
    name: t.name
    location: location
    tags: tags
    // Subscriptions dead-letter with this identity (deadLetterWithResourceIdentity): no storage key is ever needed.
    identity: {
      type: 'SystemAssigned'
    }
    properties: {
      inputSchema: 'CloudEventSchemaV1_0'
      // No `aeg-sas-key`: publishers need the EventGrid Data Sender role on the topic.
      disableLocalAuth: true
      minimumTlsVersionAllowed: '1.2'
      publicNetworkAccess: 'Enabled'
      dataResidencyBoundary: 'WithinGeopair'
    }
  }
]

// A module with one resource per manifest topic: the topics' endpoints must reach the apps as one object, which a
// module collection cannot produce (its outputs are not usable in a variable or a lambda).
@description('The names of the topics, in the order of `topics`.')
output names string[] = [for (t, i) in topics: topicResources[i].name]

@description('The resource IDs of the topics, in the order of `topics`.')
output resourceIds string[] = [for (t, i) in topics: topicResources[i].id]

@description('Name, resource ID, endpoint and identity of each topic, in the order of `topics`.')
output topics topicInfo[] = [
  for (t, i) in topics: {
    topic: t.topic
    name: topicResources[i].name
    resourceId: topicResources[i].id
    endpoint: topicResources[i].properties.endpoint
    principalId: topicResources[i].identity.principalId
  }
]
