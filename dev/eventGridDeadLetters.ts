import type { ContainerClient } from "@azure/storage-blob";
import { deadLetterBlobName } from "../src/platform/deadLetterBlobs";
import type { DeadLetter, DeadLetterSink, EmulatorCloudEvent } from "@azure-choreography/eventgrid-emulator";

export { DEAD_LETTER_CONTAINER, deadLetterBlobName } from "../src/platform/deadLetterBlobs";

/**
 * One element of a dead-letter blob for a subscription with the CloudEvents 1.0 delivery schema: the event as it was
 * published, beside Event Grid's dead-letter properties (learn.microsoft.com/azure/event-grid/delivery-and-retry,
 * "Dead-letter events"). A blob holds a JSON array of these.
 */
export interface DeadLetterBlobEntry {
  readonly event: EmulatorCloudEvent;
  readonly deadLetterReason: string;
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
  readonly lastHttpStatusCode?: number;
  readonly publishTime: string;
  readonly lastDeliveryAttemptTime: string;
}

export const toDeadLetterBlobEntry = (deadLetter: DeadLetter): DeadLetterBlobEntry => ({
  event: deadLetter.event,
  deadLetterReason: deadLetter.deadLetterReason,
  deliveryAttempts: deadLetter.deliveryAttempts,
  lastDeliveryOutcome: deadLetter.lastDeliveryOutcome,
  ...(deadLetter.lastHttpStatusCode === undefined ? {} : { lastHttpStatusCode: deadLetter.lastHttpStatusCode }),
  publishTime: deadLetter.publishTime,
  lastDeliveryAttemptTime: deadLetter.lastDeliveryAttemptTime,
});

/** Writes each dead letter as its own blob (Event Grid may batch several; readers must accept arrays of any length). */
export const blobDeadLetterSink = (container: ContainerClient): DeadLetterSink => {
  let created: Promise<unknown> | undefined;
  return async (deadLetter) => {
    created ??= container.createIfNotExists();
    await created;
    const name = deadLetterBlobName(deadLetter.subscription, new Date(deadLetter.lastDeliveryAttemptTime));
    const body = JSON.stringify([toDeadLetterBlobEntry(deadLetter)]);
    await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
  };
};
