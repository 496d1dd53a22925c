import { CloudEventEnvelope } from "../../events/envelope";
import { Cause, envelopesCausedBy } from "../publishing/envelope";
import { commitAndPublish } from "../publishing/commit";
import { EventPublisher } from "../publisher";
import { DocumentStore, StoredDocument } from "../store";
import { Decision } from "./contract";
import { Session } from "./session";

/**
 * Commits a decision — its changes, as writes with the versions `session` read, and its events — through the one
 * commit path (publishing/commit.ts), then publishes. A reaction passes its delivery's inbox record as the carrier of
 * the events; a timer that settles state on its own (reconciliation) passes none, so they go in an outbox document.
 * Throws ConcurrencyConflictError when the batch loses a race; nothing is then written or published.
 */
export const commitDecision = async (
  deps: { readonly store: DocumentStore; readonly publisher: EventPublisher },
  by: { readonly service: string; readonly name: string },
  pk: string,
  cause: Cause,
  decision: Decision,
  session: Pick<Session, "writesFor" | "committed">,
  now: Date,
  carrier?: (events: readonly CloudEventEnvelope[]) => StoredDocument,
): Promise<CloudEventEnvelope[]> => {
  const events = envelopesCausedBy(by, cause, decision.publish, now);
  const writes = session.writesFor(decision.changes);
  await commitAndPublish(deps, pk, writes, events, { carrier: carrier?.(events), committed: (versions) => session.committed(writes, versions) });
  return events;
};
