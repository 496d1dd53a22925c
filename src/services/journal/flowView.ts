import { CloudEventEnvelope } from "../../events/envelope";
import { NotFoundError } from "../../platform/errors";
import { DocumentStore, Versioned } from "../../platform/store";
import { causalOrder } from "./causalOrder";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, summaryOfEvents } from "./flowSummary";
import { JournalEntryDocument } from "./recordEventInJournal";

/** A flow's journaled (redacted) events in causal order and its summary, both from the flow's own partition. */
export const readFlow = async (
  store: DocumentStore,
  correlationId: string,
  ttlSeconds: number,
): Promise<{ events: CloudEventEnvelope[]; summary: FlowSummaryDocument; stored: Versioned<FlowSummaryDocument> | undefined }> => {
  const [entries, stored] = await Promise.all([
    store.queryDocuments<JournalEntryDocument>(correlationId, "c.kind = 'journalEntry'"),
    store.readDocument<FlowSummaryDocument>(FLOW_SUMMARY_ID, correlationId),
  ]);
  if (entries.length === 0) throw new NotFoundError("FLOW.NOT_FOUND", `No events are recorded for correlation id ${correlationId}`);
  const events = causalOrder(entries.map((e) => e.event));
  // Flows journaled before summaries existed have none; their events say the same.
  const summary = stored ?? summaryOfEvents(events, ttlSeconds)!;
  return { events, summary, stored };
};
