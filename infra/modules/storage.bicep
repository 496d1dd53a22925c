metadata name = 'Storage account'
metadata description = 'StorageV2 account reachable with Entra ID only (no shared keys, no anonymous blobs, TLS 1.2, HTTPS), with private blob containers.'

@description('Required. Name of the storage account (3-24 lower-case letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Private blob containers to create (Flex Consumption deployment packages, dead letters).')
param containerNames string[]

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

@description('Optional. Storage SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Optional. Days a deleted blob can be restored.')
@minValue(1)
@maxValue(365)
param blobDeleteRetentionDays int = 7

@description('Optional. Days after which a blob in `expiringContainerNames` is deleted by a lifecycle rule; 0 keeps blobs.')
@minValue(0)
@maxValue(3650)
param deleteBlobsAfterDays int = 0

@description('Optional. Containers whose blobs the lifecycle rule deletes after `deleteBlobsAfterDays`.')
param expiringContainerNames string[] = []

type resourceTags = { *: string }

resource account 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    // Every client (Functions host, Flex deployment, Event Grid dead-lettering) authenticates with a managed identity.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: blobDeleteRetentionDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

// Lifecycle management runs about once a day; a blob may outlive its limit by up to a day.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-06-01' = if (deleteBlobsAfterDays > 0 && !empty(expiringContainerNames)) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-after-${deleteBlobsAfterDays}-days'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
                'appendBlob'
              ]
              prefixMatch: map(expiringContainerNames, c => '${c}/')
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: deleteBlobsAfterDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    containers
  ]
}

@description('The name of the storage account.')
output name string = account.name

@description('The resource ID of the storage account.')
output resourceId string = account.id

@description('The primary blob endpoint, ending with a slash.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('The names of the blob containers created.')
output containerNames string[] = [for (containerName, i) in containerNames: containers[i].name]
