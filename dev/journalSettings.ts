import { flowNames, flows } from "../src/flows";
import { serviceNames, services } from "../src/topology";

/** Locally a flow that has not finished in this long is worth a look: every healthy flow here takes well under a second. */
export const LOCAL_FLOW_DEADLINE_MS = 30_000;

/**
 * The journal's local settings: short flow deadlines, every container's poison records in flow views, and dead letters
 * from the blobs the emulator writes to Azurite when it runs (the same reader as in Azure, by connection string), else
 * from the emulator's own list.
 */
export const localJournalSettings = (eventGridUrl: string, deadLetterConnectionString?: string): Record<string, string> => ({
  ...(deadLetterConnectionString ? { JOURNAL_DEAD_LETTERS_CONNECTION_STRING: deadLetterConnectionString } : { JOURNAL_DEAD_LETTERS_URL: `${eventGridUrl}/dead-letters` }),
  JOURNAL_POISON_CONTAINERS: serviceNames.map((s) => services[s].container).join(","),
  ...Object.fromEntries(flowNames.map((f) => [flows[f].deadlineSetting, String(LOCAL_FLOW_DEADLINE_MS)])),
});
