metadata name = 'App identity'
metadata description = 'One app\'s user-assigned identity, granted what the app needs the moment its site exists (its own host storage and deployment package, its own Key Vault secrets) before the site is created.'

// Why not the system-assigned identity: it exists only once the site does, so its roles are granted after the
// platform has already tried to resolve the Key Vault references (an unresolved one reaches the app as the literal
// `@Microsoft.KeyVault(...)` text and is retried only about once a day) and to start the host on its storage.
// The site names this identity as `keyVaultReferenceIdentity`, for the deployment storage and for AzureWebJobsStorage.

@description('Required. Name of the user-assigned identity.')
param name string

@description('Required. The service the identity belongs to (role assignment descriptions).')
param serviceName string

@description('Required. Name of the app\'s own storage account (host storage and deployment package).')
param storageAccountName string

@description('Optional. Key Vault holding the app\'s secrets; required when `secretNames` is not empty.')
param keyVaultName string = ''

@description('Optional. Secrets of the vault the app reads through Key Vault references.')
param secretNames string[] = []

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

type resourceTags = { *: string }

// Built-in role definition IDs (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

// Blobs for leases, host keys and the deployment package; queues and tables for the host's own bookkeeping (as in the
// official Flex Consumption samples). Account-wide, on an account no other app uses.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      description: '${serviceName} host storage and deployment package (its own account)'
    }
  }
]

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: empty(keyVaultName) ? 'unused' : keyVaultName
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2025-05-01' existing = [
  for secret in secretNames: {
    parent: vault
    name: secret
  }
]

// On the one secret, not the vault: the CRM app cannot read the payment gateway's key.
resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (secret, i) in secretNames: {
    name: guid(secrets[i].id, identity.id, roles.keyVaultSecretsUser)
    scope: secrets[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      description: '${serviceName} reads the ${secret} secret'
    }
  }
]

@description('The resource ID of the identity.')
output resourceId string = identity.id

@description('The name of the identity.')
output name string = identity.name

@description('The client ID of the identity (AzureWebJobsStorage__clientId).')
output clientId string = identity.properties.clientId

@description('The principal ID of the identity.')
output principalId string = identity.properties.principalId

@description('The number of role assignments this module makes.')
output roleAssignmentCount int = length(storageRoles) + length(secretNames)
