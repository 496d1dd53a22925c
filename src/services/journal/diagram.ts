import { CloudEventEnvelope } from "../../events/envelope";
import { publishingService } from "./flowSteps";

/** Participant for an event's publisher; anything not a service of ours (or a missing cause) is drawn as `client`. */
const CLIENT = "client";

/** Mermaid treats `;`, `#`, `:` and line breaks specially; event data never reaches the diagram, types and names are cleaned. */
const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200) || "_";

/**
 * A Mermaid `sequenceDiagram` of one flow, events in causal order. One arrow per event: from the service whose event
 * caused it to the service that published it (`client` for the starting command), labelled with the event type —
 * read "A ->> B: E" as "B reacted to A's event by publishing E". Services appear in the order they first act.
 */
export const flowDiagram = (correlationId: string, events: readonly CloudEventEnvelope[]): string => {
  const publisherOf = new Map(events.map((e) => [e.id, safe(publishingService(e.source) ?? CLIENT)]));
  const participants: string[] = [];
  const arrows: string[] = [];
  const meet = (name: string) => {
    if (!participants.includes(name)) participants.push(name);
  };
  for (const event of events) {
    const to = publisherOf.get(event.id)!;
    const from = (event.causationid && publisherOf.get(event.causationid)) || CLIENT;
    meet(from);
    meet(to);
    arrows.push(`  ${from}->>${to}: ${safe(event.type)}`);
  }
  return [
    "sequenceDiagram",
    `  %% flow ${safe(correlationId)}`,
    ...participants.map((p) => `  participant ${p}`),
    ...arrows,
    "",
  ].join("\n");
};
