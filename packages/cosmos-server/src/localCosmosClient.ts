import { CosmosClient } from "@azure/cosmos";

/** A client for the local Cosmos-protocol server: plain http on loopback, so no endpoint discovery. */
export const localCosmosClient = (endpoint: string, key: string): CosmosClient =>
  new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
