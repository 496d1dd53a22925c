import { isDeepStrictEqual } from "node:util";
import { CloudEventEnvelope } from "../../events/envelope";
import { redactEvent } from "../../events/redaction";
import { Change, Decision, LoadContext, nothingToDo } from "../../platform/reactions";
import { defineReaction } from "../../define";
import { JournalEntryDocument, journalEntryDocumentSchema, journalEntryId } from "./documents";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, addToSummary, flowSummaryDocumentSchema, summaryRoleOf } from "./flowSummary";
import type { JournalSettings } from "./settings";

export interface JournalState {
  /** Whether the event's entry is stored already (a redelivery). */
  readonly entryRecorded: boolean;
  /** The flow's summary, read only for an event that starts or ends a flow (the others leave it alone). */
  readonly summary: FlowSummaryDocument | undefined;
  /** From the JOURNAL_TTL_DAYS setting, read by `load` so `decide` stays a function of its inputs. */
  readonly ttlSeconds: number;
}

/**
 * Writes the (redacted) entry and, for an event that starts or ends its flow, folds it into the flow's summary; the
 * runner replaces the summary at the version `load` read, so two outcome events of one flow never overwrite each other
 * (a lost race is re-read and decided again). Each half is decided on its own: the fold takes an event in twice without
 * change, so a summary that a non-atomic batch (the local Cosmos server) left unwritten is still written on the retry.
 */
export const recordEvent = (event: CloudEventEnvelope, state: JournalState, now: Date): Decision => {
  const { ttlSeconds } = state;
  const changes: Change[] = [];
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
  const summary = addToSummary(state.summary, event, ttlSeconds);
  if (summary && !isDeepStrictEqual(summary, state.summary)) changes.push({ put: summary });
  return changes.length === 0 ? nothingToDo : { changes, publish: [] };
};

/** Subscribes to every event of every topic, so one flow can be read back across all services. */
export const recordEventInJournal = defineReaction("journal", "recordEventInJournal", {
  partitionKey: (event) => event.correlationid,
  load: async (event, { read, settings }: LoadContext<{ settings: JournalSettings }>): Promise<JournalState> => {
    const ttlSeconds = settings.entryTtlSeconds;
    const entry = await read(journalEntryDocumentSchema, journalEntryId(event.id), event.correlationid);
    // An event in the middle of a flow writes its entry alone: no summary to read.
    const summary = summaryRoleOf(event.type) ? await read(flowSummaryDocumentSchema, FLOW_SUMMARY_ID, event.correlationid) : undefined;
    return { entryRecorded: entry !== undefined, summary, ttlSeconds };
  },
  decide: (event, state, context) => recordEvent(event, state, context.now),
  tuning: {
    // The entry (keyed by the event id) is the record: no inbox write per event.
    dedupe: "ownRecord",
    // A flow's outcome often arrives with another (a cancellation and its compensations' outcomes, or in one batch):
    // in turn, the second takes the summary the first committed from memory instead of losing on its ETag.
    oneAtATimePerPartition: true,
    readHints: [
      // The summary only moves forward, and is replaced whenever an event changes it: the version this process wrote
      // last serves a first attempt (if it is older, the replace conflicts and the next attempt reads).
      [flowSummaryDocumentSchema, "ownLatest"],
      // Each event's entry is as good as new on a first attempt, so a first delivery reads nothing for it: if it exists
      // after all (a redelivery), the entry's create conflicts and the next attempt reads it and finds nothing to do.
      [journalEntryDocumentSchema, "likelyNew"],
    ],
  },
});
