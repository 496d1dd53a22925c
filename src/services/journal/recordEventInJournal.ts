import { z } from "zod";
import { CloudEventEnvelope, cloudEventEnvelopeSchema } from "../../events/envelope";
import { redactEvent } from "../../events/redaction";
import { Decision, Reaction, nothingToDo } from "../../platform/reaction";
import { Change } from "../../platform/loadSession";
import { documentSchema } from "../../platform/documentSchema";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, addToSummary } from "./flowSummary";
import { JournalPorts } from "./ports";

/** One per event, in the partition of its business flow (the correlation id); the event is stored redacted. */
export const journalEntryDocumentSchema = documentSchema("journalEntry", {
  // Loose: an extension attribute the journal kept is shown as it was recorded.
  event: cloudEventEnvelopeSchema.loose(),
  recordedAt: z.string(),
});
export type JournalEntryDocument = z.infer<typeof journalEntryDocumentSchema>;

export const journalEntryId = (eventId: string): string => `event:${eventId}`;

export interface JournalState {
  readonly entry: JournalEntryDocument | undefined;
  readonly summary: FlowSummaryDocument | undefined;
  /** From the JOURNAL_TTL_DAYS setting, read by `load` so `decide` stays a function of its inputs. */
  readonly ttlSeconds: number;
}

/**
 * Writes the (redacted) entry and folds the event into the flow's summary; the runner replaces the summary at the
 * version `load` read, so concurrent events of one flow never overwrite each other (a lost race is re-read and decided
 * again).
 * Each half is decided on its own: where a batch is not atomic (the local Cosmos server) a retry completes the other.
 */
export const recordEvent = (event: CloudEventEnvelope, state: JournalState, now: Date): Decision => {
  const { ttlSeconds } = state;
  const changes: Change[] = [];
  const inSummary = state.summary?.steps.some((s) => s.id === event.id) ?? false;
  if (!inSummary) {
    changes.push({ put: addToSummary(state.summary, event, ttlSeconds) });
  }
  if (!state.entry) {
    const entry: JournalEntryDocument = {
      id: journalEntryId(event.id),
      pk: event.correlationid,
      kind: "journalEntry",
      event: redactEvent(event),
      recordedAt: now.toISOString(),
      ttl: ttlSeconds,
    };
    changes.push({ put: entry });
  }
  return changes.length === 0 ? nothingToDo : { changes, publish: [] };
};

/** Subscribes to every event of every topic, so one flow can be read back across all services. */
export const recordEventInJournal: Reaction<"journal", "recordEventInJournal", JournalState, JournalPorts> = {
  service: "journal",
  name: "recordEventInJournal",
  partitionKey: (event) => event.correlationid,
  load: async (event, { store, ports }) => {
    const [entry, summary] = await Promise.all([
      store.readDocument<JournalEntryDocument>(journalEntryId(event.id), event.correlationid),
      store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, event.correlationid),
    ]);
    return { entry, summary, ttlSeconds: ports.settings.entryTtlSeconds };
  },
  decide: (event, state, context) => recordEvent(event, state, context.now),
  // The entry (keyed by the event id) and the summary's steps are the record: no inbox write per event.
  dedupe: "ownRecord",
};
