import { CloudEventEnvelope } from "../../events/envelope";
import { EventPublisher } from "../publisher";
import { CommittedVersions, DocumentStore, DocumentWrite, StoredDocument } from "../store";
import { publishOutbox, toOutboxDocument } from "./outbox";

/**
 * The one commit path of everything that publishes — flow starts, reactions, timers: `writes` and the record of
 * `events` in one transactional batch, then the events published. The record is `carrier` when given: a delivery's
 * inbox record, holding the events, which Event Grid redelivers until the delivery is acknowledged, so the events need
 * no sent mark. Without one (a flow start, a timer: nothing would retry them) the events go in an outbox document,
 * marked sent once published, which the relay watches.
 *
 * Throws ConcurrencyConflictError when the batch loses a race; nothing is then written or published. A failed publish
 * throws too, unless `onPublishFailure` takes it (an HTTP command has committed: the relay publishes its event later).
 * Returns the versions the commit gave `writes`, also told to `committed` before anything is published.
 */
export const commitAndPublish = async (
  deps: { readonly store: DocumentStore; readonly publisher: EventPublisher },
  pk: string,
  writes: readonly DocumentWrite[],
  events: readonly CloudEventEnvelope[],
  options: {
    readonly carrier?: StoredDocument;
    readonly committed?: (versions: CommittedVersions) => void;
    readonly onPublishFailure?: (error: unknown) => void;
  } = {},
): Promise<CommittedVersions> => {
  const [first, ...rest] = events;
  const outbox = options.carrier || !first ? undefined : toOutboxDocument(pk, [first, ...rest]);
  const record = options.carrier ?? outbox;
  const versions = (await deps.store.commit(pk, [...writes, ...(record ? [{ op: "create" as const, document: record }] : [])])).slice(0, writes.length);
  options.committed?.(versions);
  try {
    if (outbox) await publishOutbox(deps.store, deps.publisher, pk, [outbox], new Date(outbox.events[0]!.time));
    else if (events.length > 0) await deps.publisher.publishEvents(events);
  } catch (error) {
    if (!options.onPublishFailure) throw error;
    options.onPublishFailure(error);
  }
  return versions;
};
