metadata name = 'Key Vault'
metadata description = 'Key Vault in RBAC mode (no access policies) with purge protection, holding the secrets of outside systems; apps read them through Key Vault references with their own identity.'

@description('Required. Name of the vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Names of the secrets to store; each needs a value in `secretValues`. A list apart from the values so that what-if and `bicep snapshot` can predict the secrets without reading them.')
param secretNames string[]

@description('Required. Secret values by secret name.')
@secure()
param secretValues { *: string }

@description('Optional. Days a deleted vault or secret is kept before it can be purged (7-90). With purge protection a deleted vault\'s name stays taken that long.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

type resourceTags = { *: string }

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Data-plane access by Azure RBAC only (Key Vault Secrets User per app, in rbac.bicep): no access policies.
    enableRbacAuthorization: true
    accessPolicies: []
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    // Flex Consumption apps without a virtual network resolve references over the public endpoint.
    publicNetworkAccess: 'Enabled'
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
  }
}

resource stored 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = [
  for secretName in secretNames: {
    parent: vault
    name: secretName
    properties: {
      value: secretValues[secretName]
      contentType: 'text/plain'
    }
  }
]

@description('The name of the vault.')
output name string = vault.name

@description('The resource ID of the vault.')
output resourceId string = vault.id
