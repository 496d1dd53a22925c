import { eventNameOf } from "./request";

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export interface ReactionTemplate {
  readonly service: string;
  readonly name: string;
  readonly on: readonly string[];
  readonly publishes: readonly string[];
}

/**
 * The document a generated reaction keeps, named after what its name says it acts on: `bookCourierWhenOrderConfirmed`
 * keeps a `courier`, `notifyWhenX` a `notify` record. A start its author renames when the real state is known.
 */
export const recordKind = (t: Pick<ReactionTemplate, "name">): string => {
  const [, verb = "record", thing] = /^([a-z]+)([A-Z][A-Za-z0-9]*)?When/.exec(t.name) ?? [];
  return thing ? thing.charAt(0).toLowerCase() + thing.slice(1) : verb;
};

/** What the reaction does, its name before `When`: `bookCourierWhenOrderConfirmed` → `bookCourier`, its decide. */
const actionOf = (t: Pick<ReactionTemplate, "name">): string => t.name.slice(0, t.name.lastIndexOf("When"));

export const reactionFile = (t: ReactionTemplate): string => {
  const kind = recordKind(t);
  const action = actionOf(t);
  const Kind = pascal(kind);
  const on = t.on.map((type) => eventNameOf(type)).join(" or ");
  const publish = t.publishes.map((type) => `      // TODO: the data ${type} carries (its schema is in src/events/).\n      { type: "${type}", subject: event.subject, data: {} },`).join("\n");
  return `import { z } from "zod";
import { ReactionEvent, defineReaction } from "../../define";
import { documentSchema } from "../../platform/documentSchema";
import { Decision, DecisionContext, nothingToDo } from "../../platform/reactions";

type Received = ReactionEvent<"${t.service}", "${t.name}">;

/**
 * What ${t.service} keeps for each ${on} it handled. TODO: replace with the state this reaction really needs
 * (a shipment, a score…), named after it, with its own id and partition.
 */
export const ${kind}DocumentSchema = documentSchema("${kind}", {
  eventId: z.string(),
  eventType: z.string(),
  handledAt: z.string(),
});
export type ${Kind}Document = z.infer<typeof ${kind}DocumentSchema>;

export interface ${pascal(action)}State {
  readonly record: ${Kind}Document | undefined;
}

const recordId = (event: Received): string => \`${kind}:\${event.id}\`;

/**
 * TODO: what ${t.service} does when ${on} happens. Pure: from the event and what \`load\` read, what to put and what to
 * publish; the runner commits it with the delivery's record, so a redelivery finds the record and does nothing again.
 */
export const ${action} = (event: Received, state: ${pascal(action)}State, context: DecisionContext): Decision => {
  if (state.record) return nothingToDo;
  const record: ${Kind}Document = {
    id: recordId(event),
    pk: event.correlationid,
    kind: "${kind}",
    eventId: event.id,
    eventType: event.type,
    handledAt: context.now.toISOString(),
  };
  return {
    changes: [{ put: record }],
    publish: [${publish ? `\n${publish}\n    ` : ""}],
  };
};

export const ${t.name} = defineReaction("${t.service}", "${t.name}", {
  // TODO: the partition of the state this reaction changes: one per business entity (an order's id, a user's id).
  partitionKey: (event) => event.correlationid,
  load: async (event, { read }) => ({ record: await read(${kind}DocumentSchema, recordId(event), event.correlationid) }),
  decide: ${action},
});
`;
};

export const specFile = (t: ReactionTemplate, sampleData: Readonly<Record<string, string>>): string => {
  const [first] = t.on;
  const type = first ?? "";
  return `import { ${t.name} } from "../../../../src/services/${t.service}/${t.name}";
import { anEvent } from "../../../support/events";
import { specFor } from "../../../support/given";

describe("${t.service}: ${t.name}", () => {
  const given = specFor(${t.name});
  const event = anEvent("${type}", ${sampleData[type] ?? "{}"}, { id: "e-1", correlationid: "flow-1" });

  it("given nothing handled yet, keeps a ${recordKind(t)} of the event${t.publishes.length > 0 ? ` and publishes ${t.publishes.join(", ")}` : ""}", async () => {
    await given()
      .when(event)
      .thenPuts({ id: "${recordKind(t)}:e-1", pk: "flow-1", eventId: "e-1" })${t.publishes.length > 0 ? `\n      .thenPublishes(${t.publishes.map((p) => `{ type: "${p}" }`).join(", ")})` : ""};
  });

  it("given the event handled already, does nothing again", async () => {
    await given({ id: "${recordKind(t)}:e-1", pk: "flow-1", kind: "${recordKind(t)}", eventId: "e-1", eventType: "${type}", handledAt: "2026-01-01T00:00:00.000Z" })
      .when(event)
      .thenNothingHappens();
  });
});
`;
};

export const serviceIndexFile = (service: string, reactions: readonly string[]): string => `import { noPorts } from "../../platform/serviceModule";
import { ServiceModule } from "../../define";
${reactions.map((r) => `import { ${r} } from "./${r}";`).join("\n")}

export const ${service}Service: ServiceModule<"${service}"> = {
  name: "${service}",
  reactions: [${reactions.join(", ")}],
  http: {},
  createPorts: noPorts,
};
`;

export const manifestReaction = (t: ReactionTemplate): string =>
  `{ name: "${t.name}", on: [${t.on.map((x) => `"${x}"`).join(", ")}], publishes: [${t.publishes.map((x) => `"${x}"`).join(", ")}] }`;

export const manifestService = (t: ReactionTemplate): string => `${t.service}: {
    // TODO: what ${t.service} does, in one sentence.
    description: "Reacts to ${t.on.join(", ")}.",
    container: "${t.service}",
    reactions: [
      ${manifestReaction(t)},
    ],
    http: [],
  }`;
