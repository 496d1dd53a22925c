import { z } from "zod";
import { CloudEventEnvelope } from "../../events/envelope";
import { queryValid } from "../../platform/documentSchema";
import { NotFoundError } from "../../platform/errors";
import { DocumentStore, Versioned } from "../../platform/store";
import { causalOrder } from "./causalOrder";
import { earlier } from "./flowSteps";
import { FLOW_SUMMARY_ID, FlowSummaryDocument, flowSummaryDocumentSchema } from "./flowSummary";
import { FlowHead } from "./flowStatus";
import { JournalEntryDocument, journalEntryDocumentSchema } from "./documents";

const flowDocumentSchema = z.discriminatedUnion("kind", [journalEntryDocumentSchema, flowSummaryDocumentSchema]);

/** A flow as its view shows it: the events in causal order and what its status is computed from. */
export interface FlowRead {
  readonly events: CloudEventEnvelope[];
  readonly head: FlowHead & { readonly endedAt: string | null };
  /** The stored summary (for the stalled warning, which writes on its ETag); undefined before the flow's start or outcome is journaled. */
  readonly stored: Versioned<FlowSummaryDocument> | undefined;
}

/**
 * A flow's journaled (redacted) events in causal order and its summary: one query of the flow's own partition, which
 * holds both (a single-partition query in Azure, whatever the number of flows). Only a flow's start and outcome
 * events write its summary, so a flow whose first events are journaled before those has none yet: its head then says
 * what the events do (no flow known, started at the earliest, running).
 */
export const readFlow = async (store: DocumentStore, correlationId: string): Promise<FlowRead> => {
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
  const earliest = events.map((e) => e.time).reduce(earlier);
  const head = stored
    ? { flow: stored.flow, startedAt: stored.startedAt, ended: stored.ended, endedAt: stored.endedAt }
    : { flow: null, startedAt: earliest, ended: null, endedAt: null };
  return { events, head, stored };
};
