import { EventType, eventCatalog, isEventType } from "../../src/events/catalog";
import { listReactions, serviceNames } from "../../src/topology";

/** What `npm run new:reaction` was asked for, checked against the manifest and the catalog. */
export interface ReactionRequest {
  readonly service: string;
  readonly name: string;
  readonly on: readonly EventType[];
  /** Types the reaction will publish: new ones, each stubbed into the catalog, owned by `service`. */
  readonly publishes: readonly string[];
  readonly newService: boolean;
}

/** A refusal, printed as one line. */
export class ScaffoldRefusal extends Error {}

/**
 * A service name becomes its Function App's name (`func-<service>-<token>`), its container's and part of every
 * function name (`<service>-<reaction>`): lowercase letters and digits, starting with a letter, at most 20.
 */
const SERVICE_NAME = /^[a-z][a-z0-9]{1,19}$/;
/** `<verb>…When<Event>`: a lowercase verb, what it acts on, `When`, the event it reacts to. */
const REACTION_NAME = /^([a-z]+)([A-Z][A-Za-z0-9]*)?When([A-Z][A-Za-z0-9]+)$/;
/** `<Domain>.<EventName>.v<N>`, as every type of the catalog. */
const EVENT_TYPE = /^[A-Z][A-Za-z0-9]+\.[A-Z][A-Za-z0-9]+\.v[1-9][0-9]*$/;

/** The event's name inside its type: `Orders.OrderConfirmed.v1` → `OrderConfirmed`. */
export const eventNameOf = (type: string): string => type.split(".")[1] ?? type;

export const checkRequest = (raw: { service?: string; name?: string; on?: string; publishes?: string }): ReactionRequest => {
  const { service, name } = raw;
  if (!service) throw new ScaffoldRefusal("--service is required (an existing service, or a new one to create)");
  if (!SERVICE_NAME.test(service)) {
    throw new ScaffoldRefusal(`--service ${service}: not a valid service name (lowercase letters and digits, starting with a letter, 2 to 20): it names a Function App`);
  }
  if (!name) throw new ScaffoldRefusal("--name is required (<verb>…When<Event>, e.g. bookCourierWhenOrderConfirmed)");
  const shape = REACTION_NAME.exec(name);
  if (!shape) throw new ScaffoldRefusal(`--name ${name}: not <verb>…When<Event>-shaped (e.g. bookCourierWhenOrderConfirmed)`);
  const on = (raw.on ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  if (on.length === 0) throw new ScaffoldRefusal("--on is required: the event type(s) the reaction listens to, e.g. Orders.OrderConfirmed.v1");
  const unknown = on.filter((t) => !isEventType(t));
  if (unknown.length > 0) throw new ScaffoldRefusal(`--on ${unknown.join(", ")}: not in the event catalog (src/events/catalog.ts)`);
  const [onlyEvent] = on;
  if (on.length === 1 && onlyEvent && shape[3] !== eventNameOf(onlyEvent)) {
    throw new ScaffoldRefusal(`--name ${name}: a reaction to ${onlyEvent} is named …When${eventNameOf(onlyEvent)}`);
  }
  const taken = listReactions().find((r) => r.name === name);
  if (taken) throw new ScaffoldRefusal(`--name ${name}: already taken by ${taken.functionName}`);
  const publishes = (raw.publishes ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  for (const type of publishes) {
    if (!EVENT_TYPE.test(type)) throw new ScaffoldRefusal(`--publishes ${type}: not <Domain>.<EventName>.v<N>-shaped (e.g. Shipping.CourierBooked.v1)`);
    if (isEventType(type)) {
      const owner = eventCatalog[type].publisher;
      throw new ScaffoldRefusal(
        owner === service
          ? `--publishes ${type}: exists already; add it to the reaction's publishes and build it in decide by hand (the scaffold stubs new types only)`
          : `--publishes ${type}: owned by ${owner}, and a service publishes only what it owns`,
      );
    }
  }
  return { service, name, on: on as EventType[], publishes, newService: !(serviceNames as readonly string[]).includes(service) };
};
