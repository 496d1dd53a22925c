import { LoadContext, SettingsOf, openSession } from "#src/platform/reactions";
import { DocumentStore } from "#src/platform/store";

/** What the runner hands a reaction's `load`, over `store`: for specs that call `load` on its own. */
export const loadContextOf = <P>(store: DocumentStore, ports: P): LoadContext<P> => {
  const { read, query, assumeAbsent } = openSession(store);
  return { read, query, assumeAbsent, settings: (ports as { settings?: unknown } | undefined)?.settings as SettingsOf<P> };
};
