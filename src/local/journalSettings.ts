import { flowNames, flows } from "../flows";
import { serviceNames, services } from "../topology";

/** Locally a flow that has not finished in this long is worth a look: every healthy flow here takes well under a second. */
export const LOCAL_FLOW_DEADLINE_MS = 30_000;

/**
 * The journal's local settings: short flow deadlines, and the emulator's dead letters and every container's poison
 * records in flow views (in Azure the journal reads neither; see the README).
 */
export const localJournalSettings = (eventGridUrl: string): Record<string, string> => ({
  JOURNAL_DEAD_LETTERS_URL: `${eventGridUrl}/dead-letters`,
  JOURNAL_POISON_CONTAINERS: serviceNames.map((s) => services[s].container).join(","),
  ...Object.fromEntries(flowNames.map((f) => [flows[f].deadlineSetting, String(LOCAL_FLOW_DEADLINE_MS)])),
});
