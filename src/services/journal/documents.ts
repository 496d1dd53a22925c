import { z } from "zod";
import { cloudEventEnvelopeSchema } from "../../events/envelope";
import { documentSchema } from "../../platform/documentSchema";

/** One per event, in the partition of its business flow (the correlation id); the event is stored redacted. */
export const journalEntryDocumentSchema = documentSchema("journalEntry", {
  // Loose: an extension attribute the journal kept is shown as it was recorded.
  event: cloudEventEnvelopeSchema.loose(),
  recordedAt: z.string(),
});
export type JournalEntryDocument = z.infer<typeof journalEntryDocumentSchema>;

export const journalEntryId = (eventId: string): string => `event:${eventId}`;
