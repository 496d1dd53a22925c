import { CosmosClient } from "@azure/cosmos";
import { CosmosServer, startCosmosServer } from "@azure-choreography/cosmos-server";
import { LOCAL_DATABASE_NAME, provisionCosmos } from "#dev/stack";
import { StoreObserver, observeCosmosServer } from "#scripts/bench/storeObserver";

export interface ObservedCosmos {
  readonly server: CosmosServer;
  /** The real `@azure/cosmos` client, on the stack's database. */
  readonly client: CosmosClient;
  /** The bench's count of what reaches the server, kind by kind. */
  readonly observer: StoreObserver;
  close(): Promise<void>;
}

/** A local Cosmos server with the stack's database and containers, a real client, and the bench's store observer. */
export const startObservedCosmos = async (): Promise<ObservedCosmos> => {
  const server = await startCosmosServer({ port: 0 });
  await provisionCosmos(server.endpoint, server.key, LOCAL_DATABASE_NAME);
  const client = new CosmosClient({ endpoint: server.endpoint, key: server.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const observer = observeCosmosServer(server.port);
  return {
    server,
    client,
    observer,
    close: async () => {
      observer.close();
      client.dispose();
      await server.close();
    },
  };
};
