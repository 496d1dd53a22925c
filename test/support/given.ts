import { CloudEventEnvelope } from "#src/events/envelope";
import { Decision, Reaction, decideOnce, openSession } from "#src/platform/reactions";
import { StoredDocument } from "#src/platform/store";
import { fixedNow } from "./events";
import { createInMemoryStore } from "./inMemoryStore";

type Expected<T> = { readonly [K in keyof T]?: unknown };

/** What a spec expects of one decision; every `then…` adds to it, and awaiting it runs the reaction once. */
export interface Scenario extends PromiseLike<void> {
  /** These documents are put, in this order (each matched as a subset of the put), and no others. */
  thenPuts(...documents: Expected<StoredDocument>[]): Scenario;
  /** These events are published, in this order (type, and whatever else is given, matched), and no others. */
  thenPublishes(...events: Expected<Decision["publish"][number]>[]): Scenario;
  /**
   * After the attempt the store holds these documents (found by id and partition, matched as a subset): what `act`
   * committed in other partitions itself (inventory's stock lines), which the decision's puts do not show.
   */
  thenStores(...documents: (Expected<StoredDocument> & Pick<StoredDocument, "id" | "pk">)[]): Scenario;
  /** Nothing is put and nothing is published. */
  thenNothingHappens(): Scenario;
}

/**
 * A reaction spec in the anchors' words: `const given = specFor(reaction)`, then
 * `given(documents).when(event).thenPuts(…).thenPublishes(…)`. Runs the reaction's load, act (against `ports`: the
 * fakes of its outside systems) and decide over an in-memory store holding `documents`, as one attempt of the runner
 * would, and checks the decision; nothing is committed. A put of a document the load never read fails here as it
 * would in the runner. What is not said is expected empty: a scenario with `thenPublishes` alone puts nothing.
 */
export const specFor =
  <E extends CloudEventEnvelope, L, A, P>(reaction: Reaction<E, L, A, P>, options: { readonly ports?: P; readonly now?: Date } = {}) =>
  (...documents: StoredDocument[]) => ({
    when: (event: E): Scenario => {
      let puts: Expected<StoredDocument>[] = [];
      let publishes: Expected<Decision["publish"][number]>[] = [];
      let stored: (Expected<StoredDocument> & Pick<StoredDocument, "id" | "pk">)[] = [];
      const run = async (): Promise<void> => {
        const store = createInMemoryStore(documents.map((d) => structuredClone(d)));
        const session = openSession(store);
        const { decision } = await decideOnce(reaction, event, session, { store, ports: options.ports as P, clock: () => options.now ?? fixedNow });
        session.writesFor(decision.changes);
        expect(decision.changes.map((c) => c.put)).toEqual(puts.map((d) => expect.objectContaining(d)));
        expect(decision.publish).toEqual(publishes.map((e) => expect.objectContaining(e)));
        for (const expected of stored) {
          expect(store.all().find((d) => d.id === expected.id && d.pk === expected.pk)).toEqual(expect.objectContaining(expected));
        }
      };
      const scenario: Scenario = {
        thenPuts(...expected) {
          puts = expected;
          return scenario;
        },
        thenPublishes(...expected) {
          publishes = expected;
          return scenario;
        },
        thenStores(...expected) {
          stored = expected;
          return scenario;
        },
        thenNothingHappens() {
          puts = [];
          publishes = [];
          return scenario;
        },
        then: (onFulfilled, onRejected) => run().then(onFulfilled, onRejected),
      };
      return scenario;
    },
  });
