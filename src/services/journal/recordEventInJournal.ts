import { CloudEventEnvelope } from "../../events/envelope";
import { redactEvent } from "../../events/redaction";
import { Change, Decision, LoadContext, nothingToDo } from "../../platform/reactions";
import { defineReaction } from "../../define";
import { JournalEntryDocument, journalEntryDocumentSchema, journalEntryId } from "./documents";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, MAX_FLOW_STEPS, addToSummary, flowSteps, flowSummaryDocumentSchema } from "./flowSummary";
import type { JournalSettings } from "./settings";

export interface JournalState {
  /** Whether the event's entry is stored already (read, or known from the summary that lists it). */
  readonly entryRecorded: boolean;
  readonly summary: FlowSummaryDocument | undefined;
  /** From the JOURNAL_TTL_DAYS setting, read by `load` so `decide` stays a function of its inputs. */
  readonly ttlSeconds: number;
}

/**
 * Writes the (redacted) entry and folds the event into the flow's summary; the runner replaces the summary at the
 * version `load` read, so concurrent events of one flow never overwrite each other (a lost race is re-read and decided
 * again).
 * Each half is decided on its own: past the summary's step cap the entry alone records the event, and an entry whose
 * summary a non-atomic batch (the local Cosmos server) left unwritten still gets its step.
 */
export const recordEvent = (event: CloudEventEnvelope, state: JournalState, now: Date): Decision => {
  const { ttlSeconds } = state;
  const changes: Change[] = [];
  const inSummary = state.summary ? flowSteps(state.summary).some((s) => s.id === event.id) : false;
  // Past the step cap the summary lists no new step, so there the entry alone says the event was counted already.
  const countedPastCap = state.entryRecorded && (state.summary?.steps.length ?? 0) >= MAX_FLOW_STEPS;
  if (!inSummary && !countedPastCap) {
    changes.push({ put: addToSummary(state.summary, event, ttlSeconds) });
  }
  if (!state.entryRecorded) {
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
export const recordEventInJournal = defineReaction("journal", "recordEventInJournal", {
  partitionKey: (event) => event.correlationid,
  load: async (event, { read, assumeAbsent, settings }: LoadContext<{ settings: JournalSettings }>): Promise<JournalState> => {
    const ttlSeconds = settings.entryTtlSeconds;
    const summary = await read(flowSummaryDocumentSchema, FLOW_SUMMARY_ID, event.correlationid);
    if (summary && summary.steps.length < MAX_FLOW_STEPS) {
      // Every entry is committed in the same batch as its step in the summary: an event the summary lists has its
      // entry (a duplicate, nothing to do), and one it does not list has none yet. No read of the entry, which would
      // miss on every first delivery. Without a summary (a flow's first event) or past the summary's step cap, the entry
      // is looked for.
      const listed = flowSteps(summary).some((s) => s.id === event.id);
      if (!listed) assumeAbsent(journalEntryId(event.id), event.correlationid);
      return { entryRecorded: listed, summary, ttlSeconds };
    }
    const entry = await read(journalEntryDocumentSchema, journalEntryId(event.id), event.correlationid);
    return { entryRecorded: entry !== undefined, summary, ttlSeconds };
  },
  decide: (event, state, context) => recordEvent(event, state, context.now),
  tuning: {
    // The entry (keyed by the event id) and the summary's steps are the record: no inbox write per event.
    dedupe: "ownRecord",
    // A flow's events often arrive together (stock ∥ payment, invoice ∥ confirmation, or in one batch): in turn, the
    // second takes the summary the first committed from memory instead of losing on its ETag and reading it.
    oneAtATimePerPartition: true,
    readHints: [
      // The summary only grows, and is replaced for every event new to it: the version this process wrote last serves
      // a first attempt (an older one lists no event the newer one lacks; if it is older, the replace conflicts and the
      // next attempt reads). Events of one flow reach the same process often, and each would read what it just wrote.
      [flowSummaryDocumentSchema, "ownLatest"],
      // Read only for a flow's first event, as a rule: its entry is as good as new (if it exists after all, a
      // duplicate, the commit conflicts and the next attempt reads it).
      [journalEntryDocumentSchema, "likelyNew"],
    ],
  },
});
