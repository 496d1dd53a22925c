import type { Database } from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { parseConfig } from "../../platform/config";
import { createCosmosClient } from "../../platform/runtime";
import { services } from "../../topology";
import { blobDeadLetters } from "./deadLetterBlobReader";
import { DeadLetterReader, FlowIncidents, createFlowIncidents, emulatorDeadLetters } from "./flowIncidents";
import { FlowIndex, createCosmosFlowIndex } from "./flowIndex";
import { DeadLetterSource, JournalSettings, parseJournalSettings } from "./settings";

export interface JournalPorts {
  readonly settings: JournalSettings;
  readonly flowIndex: FlowIndex;
  readonly incidents: FlowIncidents;
}

/** The blob client is created on first use, like the Cosmos client. */
export const deadLetterReader = (source: DeadLetterSource | undefined, credential: () => TokenCredential): DeadLetterReader | undefined => {
  if (!source) return undefined;
  if (source.kind === "emulator") return emulatorDeadLetters(source.url);
  let container: ContainerClient | undefined;
  return blobDeadLetters(() => {
    container ??= (
      source.kind === "blobs" ? new BlobServiceClient(source.blobServiceUri, credential()) : BlobServiceClient.fromConnectionString(source.connectionString)
    ).getContainerClient(source.container);
    return container;
  });
};

/**
 * The flow listing needs `TOP … ORDER BY` and the flow's steps a projection, which the DocumentStore port does not
 * offer, so the journal queries its container directly. The client is created on first use: a host with bad settings still lists its functions.
 */
export const createJournalPorts = (env: NodeJS.ProcessEnv, credential: () => TokenCredential): JournalPorts => {
  const settings = parseJournalSettings(env);
  let database: Database | undefined;
  const getDatabase = (): Database => {
    if (!database) {
      const config = parseConfig(env);
      database = createCosmosClient(config, credential).database(config.COSMOS_DATABASE_NAME);
    }
    return database;
  };
  return {
    settings,
    flowIndex: createCosmosFlowIndex(() => getDatabase().container(services.journal.container), settings.deadlinesInMs),
    incidents: createFlowIncidents({ deadLetters: deadLetterReader(settings.deadLetters, credential), poisonContainers: settings.poisonContainers, database: getDatabase }),
  };
};
