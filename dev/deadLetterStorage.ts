import { BlobServiceClient } from "@azure/storage-blob";
import { startAzurite } from "./azurite";
import type { DeadLetterSink } from "@azure-choreography/eventgrid-emulator";
import { DEAD_LETTER_CONTAINER, blobDeadLetterSink } from "./eventGridDeadLetters";

export interface DeadLetterStorage {
  readonly connectionString: string;
  readonly blobEndpoint: string;
  readonly containerName: string;
  readonly sink: DeadLetterSink;
  stop(): Promise<void>;
}

/** Azurite plus the `dead-letters` container, as the Bicep gives Event Grid in Azure. */
export const startDeadLetterStorage = async (options: {
  port: number;
  location: string;
  log: (line: string) => void;
}): Promise<DeadLetterStorage> => {
  const azurite = await startAzurite(options);
  try {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(DEAD_LETTER_CONTAINER);
    await container.createIfNotExists();
    return {
      connectionString: azurite.connectionString,
      blobEndpoint: azurite.blobEndpoint,
      containerName: DEAD_LETTER_CONTAINER,
      sink: blobDeadLetterSink(container),
      stop: () => azurite.stop(),
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
};
