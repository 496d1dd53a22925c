metadata name = 'Cosmos DB for NoSQL'
metadata description = 'Serverless Cosmos DB account with keys disabled (Entra ID only), one database and one container per service partitioned on /pk.'

@description('Required. Name of the Cosmos DB account (3-44 lower-case letters, digits, hyphens).')
@minLength(3)
@maxLength(44)
param name string

@description('Required. Name of the SQL database.')
param databaseName string

@description('Required. Containers to create, one per service; every item carries its partition key in `pk`.')
param containerNames string[]

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

@description('Optional. Container default time to live in seconds; -1 keeps items forever unless an item sets its own `ttl`.')
param defaultTtl int = -1

@description('Optional. Default time to live in seconds for particular containers, by container name (e.g. the journal\'s retention); the others get `defaultTtl`.')
param defaultTtlByContainer { *: int } = {}

@description('Required. Indexing policy of each container, by container name (infra/generated/indexing-policies.json, from src/containerIndexing.ts): only the paths queries read are indexed, since every indexed path is charged on every write.')
param indexingPolicyByContainer { *: indexingPolicy }

@description('A container\'s indexing policy, as Cosmos DB takes it.')
type indexingPolicy = {
  indexingMode: 'consistent'
  automatic: bool
  includedPaths: { path: string }[]
  excludedPaths: { path: string }[]
  compositeIndexes: {
    path: string
    order: 'ascending' | 'descending'
  }[][]
}

type resourceTags = { *: string }

resource account 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    // Pay per request unit, nothing while idle.
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    disableLocalAuth: true
    // Databases and containers change through ARM (this template) only, never through the data plane.
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2026-03-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2026-03-15' = [
  for containerName in containerNames: {
    parent: database
    name: containerName
    properties: {
      resource: {
        id: containerName
        partitionKey: {
          paths: [
            '/pk'
          ]
          kind: 'Hash'
          version: 2
        }
        // Must be set (not absent) for a per-item `ttl` (inbox and idempotency records) to take effect.
        defaultTtl: defaultTtlByContainer[?containerName] ?? defaultTtl
        indexingPolicy: indexingPolicyByContainer[containerName]
      }
    }
  }
]

@description('The name of the Cosmos DB account.')
output name string = account.name

@description('The resource ID of the Cosmos DB account.')
output resourceId string = account.id

@description('The document endpoint (COSMOS__accountEndpoint).')
output endpoint string = account.properties.documentEndpoint

@description('The name of the SQL database.')
output databaseName string = database.name

@description('The names of the containers created.')
output containerNames string[] = [for (containerName, i) in containerNames: containers[i].name]
