import type { Container } from "@azure/cosmos";
import { CloudEventEnvelope, cloudEventEnvelopeSchema } from "../../src/events/envelope";
import { EventType } from "../../src/events/catalog";

/**
 * The event archive is the journal: it records every event of every topic, once, in its flow's partition, for
 * JOURNAL_TTL_DAYS, with the catalog's sensitive fields redacted (src/events/redaction.ts). What a new reaction can
 * catch up on is therefore what the journal still holds.
 */
export interface ArchiveWindow {
  readonly since: Date;
  readonly until: Date;
  /** The event types the target function's subscription receives; undefined = every type (a journal-like reaction). */
  readonly types: readonly EventType[] | undefined;
}

const PAGE_SIZE = 500;

/**
 * The archived events of the window in publish order (event time, then id), page by page: a cross-partition query,
 * ordered by the service (Cosmos DB's default range index covers `c.event.time`), never the whole archive in memory.
 */
export async function* readArchive(journal: Container, window: ArchiveWindow): AsyncGenerator<CloudEventEnvelope> {
  const typeFilter = window.types ? " AND ARRAY_CONTAINS(@types, c.event.type)" : "";
  const iterator = journal.items.query(
    {
      query: `SELECT VALUE c.event FROM c WHERE c.kind = 'journalEntry' AND c.event.time >= @since AND c.event.time < @until${typeFilter} ORDER BY c.event.time ASC`,
      parameters: [
        { name: "@since", value: window.since.toISOString() },
        { name: "@until", value: window.until.toISOString() },
        ...(window.types ? [{ name: "@types", value: [...window.types] }] : []),
      ],
    },
    { maxItemCount: PAGE_SIZE },
  );
  while (iterator.hasMoreResults()) {
    const { resources } = await iterator.fetchNext();
    // Same time, any order from the store: the id breaks the tie, so every run delivers in the same order.
    const page = resources.map((raw: unknown) => cloudEventEnvelopeSchema.loose().parse(raw)).sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    yield* page;
  }
}
