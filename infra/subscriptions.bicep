metadata name = 'Event Grid subscriptions'
metadata description = 'One subscription per (reaction, topic shard) of the manifest, delivering CloudEvents to the reaction\'s function. Deploy after the function code: Event Grid validates the endpoint when the subscription is created.'

targetScope = 'resourceGroup'

import {
  deadLetterContainerName
  functionAppName
  resourceToken
  storageAccountName
  topicName
} from 'naming.bicep'

@description('Required. The environment name main.bicep was deployed with (finds its resources by name).')
@minLength(1)
@maxLength(64)
param environmentName string

// The same generated manifest main.bicep reads: one entry per (reaction, shard of each topic it listens on).
var topology = loadJsonContent('generated/topology.json')

var token = resourceToken(subscription().id, resourceGroup().id, environmentName)

// A variable, not a call in the existing resource's name: Bicep 0.49 inlines that name into each child's name
// without the `__bicep.` namespace of imported functions, which ARM would reject (test/infra guards this).
var topicResourceNames = map(topology.topics, topic => topicName(topic, token))

resource topics 'Microsoft.EventGrid/topics@2025-02-15' existing = [
  for (topic, i) in topology.topics: {
    name: topicResourceNames[i]
  }
]

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName(token)
}

resource subscriptions 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = [
  for sub in topology.subscriptions: {
    // Each shard of a topic has every subscription of the topic (src/events/topicShards.ts).
    parent: topics[indexOf(topology.topics, sub.shard)]
    name: sub.name
    properties: {
      destination: {
        endpointType: 'AzureFunction'
        properties: {
          resourceId: resourceId('Microsoft.Web/sites/functions', functionAppName(sub.service, token), sub.functionName)
          // 1 unless the manifest says otherwise (the journal): a failing event is then retried alone, not with its batch.
          maxEventsPerBatch: sub.maxEventsPerBatch
          preferredBatchSizeInKilobytes: 64
        }
      }
      // No includedEventTypes in the manifest means every event type of the topic (the journal).
      filter: contains(sub, 'includedEventTypes') ? { includedEventTypes: sub.includedEventTypes } : {}
      eventDeliverySchema: 'CloudEventSchemaV1_0'
      // The manifest's delivery policy (defaultDelivery in src/topology.ts, or the reaction's own), which the
      // choreography lint checks: retries that outlast the flows' deadlines, and a dead-letter destination.
      retryPolicy: {
        maxDeliveryAttempts: sub.retryPolicy.maxDeliveryAttempts
        eventTimeToLiveInMinutes: sub.retryPolicy.eventTimeToLiveInMinutes
      }
      // Written with the topic's own identity (Storage Blob Data Contributor on this container, see rbac.bicep).
      deadLetterWithResourceIdentity: !sub.deadLetter ? null : {
        identity: {
          type: 'SystemAssigned'
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: storage.id
            blobContainerName: deadLetterContainerName
          }
        }
      }
    }
  }
]

@description('The names of the subscriptions created, in manifest order.')
output names string[] = [for (sub, i) in topology.subscriptions: subscriptions[i].name]

@description('The resource IDs of the subscriptions created, in manifest order.')
output resourceIds string[] = [for (sub, i) in topology.subscriptions: subscriptions[i].id]
