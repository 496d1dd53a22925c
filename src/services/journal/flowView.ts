import { z } from "zod";
import { CloudEventEnvelope } from "../../events/envelope";
import { queryValid } from "../../platform/documentSchema";
import { NotFoundError } from "../../platform/errors";
import { DocumentStore, Versioned } from "../../platform/store";
import { causalOrder } from "./causalOrder";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, flowSummaryDocumentSchema, summaryOfEvents } from "./flowSummary";
import { JournalEntryDocument, journalEntryDocumentSchema } from "./recordEventInJournal";

const flowDocumentSchema = z.discriminatedUnion("kind", [journalEntryDocumentSchema, flowSummaryDocumentSchema]);

/**
 * A flow's journaled (redacted) events in causal order and its summary: one query of the flow's own partition, which
 * holds both (a single-partition query in Azure, whatever the number of flows).
 */
export const readFlow = async (
  store: DocumentStore,
  correlationId: string,
  ttlSeconds: number,
): Promise<{ events: CloudEventEnvelope[]; summary: FlowSummaryDocument; stored: Versioned<FlowSummaryDocument> | undefined }> => {
  const documents = await queryValid(
    store,
    flowDocumentSchema,
    correlationId,
    "c.kind = 'journalEntry' OR (c.kind = 'flowSummary' AND c.id = @summaryId)",
    [{ name: "@summaryId", value: FLOW_SUMMARY_ID }],
  );
  const entries = documents.filter((d): d is Versioned<JournalEntryDocument> => d.kind === "journalEntry");
  const stored = documents.find((d): d is Versioned<FlowSummaryDocument> => d.kind === "flowSummary");
  if (entries.length === 0) throw new NotFoundError("FLOW.NOT_FOUND", `No events are recorded for correlation id ${correlationId}`);
  const events = causalOrder(entries.map((e) => e.event));
  // Flows journaled before summaries existed have none; their events say the same.
  const summary = stored ?? summaryOfEvents(events, ttlSeconds)!;
  return { events, summary, stored };
};
