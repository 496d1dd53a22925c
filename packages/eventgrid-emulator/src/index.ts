export { startEventGridEmulator } from "./emulatorServer";
export { EventGridEmulatorError } from "./errors";
export { parsePublishRequest, MAX_EVENT_BYTES, MAX_EVENTS_PER_REQUEST, MAX_REQUEST_BYTES } from "./publishRequest";
export { decideNextStep, EVENT_GRID_RETRY_SCHEDULE_IN_MS, outcomeForStatus } from "./retryPolicy";
export type * from "./types";
