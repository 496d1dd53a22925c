export { MAX_PUBLISH_OUTAGE_MS, startEventGridEmulator } from "./emulatorServer";
export { DELIVERY_JOURNAL_FILE, deleteDeliveryState } from "./deliveryJournal";
export { EventGridEmulatorError } from "./errors";
export { parsePublishRequest, MAX_EVENT_BYTES, MAX_EVENTS_PER_REQUEST, MAX_REQUEST_BYTES } from "./publishRequest";
export { decideNextStep, EVENT_GRID_RETRY_SCHEDULE_IN_MS, outcomeForStatus, scaledTimeToLiveInMs } from "./retryPolicy";
export type * from "./types";
