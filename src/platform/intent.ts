import { TransientError } from "./errors";
import { DocumentStore, StoredDocument, Versioned } from "./store";

/**
 * Records the intent to act on an outside system before acting, in its own commit: once the call is made, what the
 * outside system did under the intent's idempotency key can be found again whatever crashes after. Created once: when
 * the id is taken (another attempt, or a cancellation marker, got there first) the create conflicts and the runner
 * reads and decides again. Returns the intent as stored, with the ETag its settlement must match.
 */
export const recordIntent = async <T extends StoredDocument>(store: DocumentStore, intent: T): Promise<Versioned<T>> => {
  await store.commit(intent.pk, [{ op: "create", document: intent }]);
  const stored = await store.readDocument<T>(intent.id, intent.pk);
  if (!stored) throw new TransientError(`Intent ${intent.id} vanished after its commit`);
  return stored;
};
