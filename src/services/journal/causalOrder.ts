import { CloudEventEnvelope } from "../../events/envelope";

/**
 * Orders a flow's events so every event comes after the one that caused it; among events whose causes are already
 * placed, earlier `time` first (then id, for a stable answer). Clocks of different services may disagree; causation does not.
 */
export const causalOrder = (events: readonly CloudEventEnvelope[]): CloudEventEnvelope[] => {
  const byId = new Map(events.map((e) => [e.id, e]));
  const placed = new Set<string>();
  const result: CloudEventEnvelope[] = [];
  const ready = (e: CloudEventEnvelope) => !e.causationid || !byId.has(e.causationid) || placed.has(e.causationid);
  const byTime = (a: CloudEventEnvelope, b: CloudEventEnvelope) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id);
  let remaining = [...events].sort(byTime);
  while (remaining.length > 0) {
    const next = remaining.find(ready) ?? remaining[0]!; // a causation cycle cannot happen, but never loop forever
    result.push(next);
    placed.add(next.id);
    remaining = remaining.filter((e) => e !== next);
  }
  return result;
};
