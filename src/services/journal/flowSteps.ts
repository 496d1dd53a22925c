import { z } from "zod";
import { CloudEventEnvelope } from "../../events/envelope";
import { queryValid } from "../../platform/documentSchema";
import { DocumentReader } from "../../platform/store";
import { journalEntryDocumentSchema } from "./documents";

/**
 * One event of a flow as `waitingFor` needs it, to tell who reacted to what: nothing of its data. Read from the flow's
 * journal entries (the summary keeps no steps): the flow view has the events at hand, and the stalled warning and the
 * event map ask for them projected (FlowIndex.listFlowSteps: one single-partition query per flow).
 */
export interface FlowStep {
  readonly id: string;
  readonly type: string;
  /** The publishing service, from `source: /services/<service>`; absent for other sources. */
  readonly service?: string;
  readonly causationid?: string;
  /** As the publisher's clock said. */
  readonly time: string;
}

export const publishingService = (source: string): string | undefined => /^\/services\/([a-z][a-zA-Z0-9-]*)$/.exec(source)?.[1];

export const stepOf = (event: Pick<CloudEventEnvelope, "id" | "type" | "source" | "causationid" | "time">): FlowStep => {
  const service = publishingService(event.source);
  return { id: event.id, type: event.type, ...(service ? { service } : {}), ...(event.causationid ? { causationid: event.causationid } : {}), time: event.time };
};

/** The later of two ISO times (the first when equal). */
export const later = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);
/** The earlier of two ISO times (the first when equal). */
export const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);

/** The step (or event) with the latest time, the first of equal ones; undefined for none. */
export const latestOf = <T extends { readonly time: string }>(items: readonly T[]): T | undefined =>
  items.reduce<T | undefined>((latest, item) => (latest && Date.parse(latest.time) >= Date.parse(item.time) ? latest : item), undefined);

/** A journal entry projected to what a step needs (the `listFlowSteps` query's row): checked before use. */
export const flowStepRowSchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.string(),
  causationid: z.string().optional(),
  time: z.string(),
});

/** The projection of that query: `SELECT ${FLOW_STEP_PROJECTION} FROM c`. */
export const FLOW_STEP_PROJECTION = "c.event.id, c.event.type, c.event.source, c.event.causationid, c.event.time";

/** A flow's steps through the DocumentStore port (whole entries): for the in-memory store of tests and checks. */
export const listFlowStepsThrough =
  (store: DocumentReader) =>
  async (correlationId: string): Promise<FlowStep[]> =>
    (await queryValid(store, journalEntryDocumentSchema, correlationId, "c.kind = 'journalEntry'")).map((entry) => stepOf(entry.event));
