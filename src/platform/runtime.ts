import { CosmosClient } from "@azure/cosmos";
import { DefaultAzureCredential, TokenCredential } from "@azure/identity";
import { AppConfig, parseConfig } from "./config";
import { IdGenerator, randomIds } from "./ids";
import { RecentWrites, createRecentWrites } from "./reactions/session";
import { KeyedQueue, createKeyedQueue } from "./partitionQueue";
import { EventPublisher, createEventGridPublisher, createTopicClients } from "./publisher";
import { DocumentStore, createCosmosDocumentStore } from "./store";

/** What a service's functions get: its own container, the publisher, its ports, the clock and an id source. */
export interface ServiceRuntime<P> {
  readonly service: string;
  readonly config: AppConfig;
  readonly store: DocumentStore;
  readonly publisher: EventPublisher;
  readonly ports: P;
  readonly clock: () => Date;
  readonly ids: IdGenerator;
  /** What this service's reactions committed last in this process, for `ownLatest` reads (bounded). */
  readonly recentWrites?: RecentWrites;
  /** Where deliveries of `oneAtATimePerPartition` reactions wait for the one before them in this process. */
  readonly partitionQueue?: KeyedQueue;
}

export type RuntimeProvider = <P>(service: string, createPorts: (env: NodeJS.ProcessEnv, credential: () => TokenCredential) => P) => ServiceRuntime<P>;

export const createCosmosClient = (config: AppConfig, credential: () => TokenCredential): CosmosClient => {
  const endpoint = config.COSMOS__accountEndpoint;
  // No custom `agent`: the SDK's own agent already keeps connections alive, and only it is allowed plain http://
  // (for the local Cosmos-protocol server); a custom agent makes every http request fail.
  return new CosmosClient({
    endpoint,
    ...(config.COSMOS__key ? { key: config.COSMOS__key } : { aadCredentials: credential() }),
    // Endpoint discovery would redirect to the account's regional (https) endpoints; the local server has none.
    connectionPolicy: { enableEndpointDiscovery: !config.COSMOS__key },
  });
};

/**
 * Builds each service's runtime on first use and keeps it for the life of the worker: clients are expensive, and
 * settings are parsed once. Nothing is created at import, so a host with a bad setting still lists its functions.
 * `containerOf` names each service's own Cosmos container (the manifest's `container`).
 */
export const createRuntimeProvider = (env: NodeJS.ProcessEnv, containerOf: (service: string) => string): RuntimeProvider => {
  let shared: { config: AppConfig; cosmos: CosmosClient; publisher: EventPublisher } | undefined;
  let credential: TokenCredential | undefined;
  const getCredential = (): TokenCredential => (credential ??= new DefaultAzureCredential());
  const runtimes = new Map<string, ServiceRuntime<unknown>>();
  const getShared = () => {
    if (!shared) {
      const config = parseConfig(env);
      shared = {
        config,
        cosmos: createCosmosClient(config, getCredential),
        publisher: createEventGridPublisher(createTopicClients(config, getCredential)),
      };
    }
    return shared;
  };
  return <P>(service: string, createPorts: (env: NodeJS.ProcessEnv, credential: () => TokenCredential) => P) => {
    const existing = runtimes.get(service);
    if (existing) return existing as ServiceRuntime<P>;
    const { config, cosmos, publisher } = getShared();
    const container = cosmos.database(config.COSMOS_DATABASE_NAME).container(containerOf(service));
    const runtime: ServiceRuntime<P> = {
      service,
      config,
      store: createCosmosDocumentStore(container),
      publisher,
      ports: createPorts(env, getCredential),
      clock: () => new Date(),
      ids: randomIds,
      recentWrites: createRecentWrites(),
      partitionQueue: createKeyedQueue(),
    };
    runtimes.set(service, runtime);
    return runtime;
  };
};
