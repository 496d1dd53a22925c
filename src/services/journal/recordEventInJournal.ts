import { CloudEventEnvelope } from "../../events/envelope";
import { anyCloudEvent } from "../../platform/eventParsing";
import { Decision, Reaction, nothingToDo } from "../../platform/reaction";
import { StoredDocument } from "../../platform/store";

/** One per event, in the partition of its business flow (the correlation id). */
export interface JournalEntryDocument extends StoredDocument {
  readonly kind: "journalEntry";
  readonly event: CloudEventEnvelope;
  readonly recordedAt: string;
}

export const journalEntryId = (eventId: string): string => `event:${eventId}`;

export const recordEvent = (event: CloudEventEnvelope, existing: JournalEntryDocument | undefined, now: Date): Decision =>
  existing
    ? nothingToDo
    : {
        writes: [
          { op: "create", document: { id: journalEntryId(event.id), pk: event.correlationid, kind: "journalEntry", event, recordedAt: now.toISOString() } satisfies JournalEntryDocument },
        ],
        publish: [],
      };

/** Subscribes to every event of every topic, so one flow can be read back across all services. */
export const recordEventInJournal: Reaction<CloudEventEnvelope, JournalEntryDocument | undefined> = {
  service: "journal",
  name: "recordEventInJournal",
  events: anyCloudEvent,
  partitionKey: (event) => event.correlationid,
  load: (event, { store }) => store.readDocument<JournalEntryDocument>(journalEntryId(event.id), event.correlationid),
  decide: (event, existing, context) => recordEvent(event, existing, context.now),
};
