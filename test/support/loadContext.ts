import { openLoadSession } from "../../src/platform/loadSession";
import { LoadContext } from "../../src/platform/reaction";
import { DocumentStore } from "../../src/platform/store";

/** What the runner hands a reaction's `load`, over `store`: for specs that call `load` on its own. */
export const loadContextOf = <P>(store: DocumentStore, ports: P, idempotencyKey = "evt-key"): LoadContext<P> => {
  const session = openLoadSession(store);
  return { store: session.store, act: session.act, ports, idempotencyKey };
};
