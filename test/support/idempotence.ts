import { seededRandom } from "@azure-choreography/server-kit";
import { Decision, DecisionContext } from "#src/platform/reactions";
import { decisionContext } from "./events";

/**
 * The contract of `dedupe: "idempotentState"`, checked over seeded random sequences: from `initial`, take in a sequence
 * of `events` (each decision's put becomes the state), then take each of them in again: every one must decide nothing
 * to do; and a decision that publishes must change the state. Returns how many events the sequences published, so a
 * spec can check the sequences reached the interesting states.
 */
export const checkIdempotentOnState = <E extends { readonly type: string }, S>(spec: {
  readonly decide: (event: E, state: S, context: DecisionContext) => Decision;
  readonly initial: () => S;
  readonly events: readonly E[];
  readonly runs: number;
  readonly seed: number;
}): number => {
  const next = seededRandom(spec.seed);
  const random = (n: number) => Math.floor(next() * n);
  let published = 0;
  for (let run = 0; run < spec.runs; run++) {
    const sequence = Array.from({ length: 1 + random(6) }, () => spec.events[random(spec.events.length)]!);
    let state = spec.initial();
    for (const event of sequence) {
      const decision = spec.decide(event, state, decisionContext());
      if (decision.publish.length > 0) expect([run, event.type, decision.changes.length]).not.toEqual([run, event.type, 0]);
      published += decision.publish.length;
      const [change] = decision.changes;
      if (change) state = change.put as S;
    }
    for (const event of sequence) {
      expect([run, event.type, spec.decide(event, state, decisionContext())]).toEqual([run, event.type, { changes: [], publish: [] }]);
    }
  }
  return published;
};
