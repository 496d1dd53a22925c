import { deterministicId } from "../ids";
import { MAX_EVENT_NESTING_DEPTH, NESTING_REJECTION, nestsDeeperThan, shallowEnvelope } from "../nestingGuard";
import { redactPoisonEvent } from "../poisonRedaction";
import { DocumentStore, StoredDocument } from "../store";
import { EventParser, ParseResult } from "./parsing";

export interface PoisonDocument extends StoredDocument {
  readonly kind: "poison";
  readonly reaction: string;
  readonly reason: string;
  readonly event: unknown;
  readonly parkedAt: string;
}

export const POISON_PARTITION = "poison";

/** Keeps an event no retry can fix, with the reason, so Event Grid can be told success and an operator can look. */
export const parkPoisonEvent = async (
  store: DocumentStore,
  reaction: string,
  raw: unknown,
  reason: string,
  now: Date,
): Promise<void> => {
  const rawId = (raw as { id?: unknown } | null)?.id;
  const id = `poison:${reaction}:${typeof rawId === "string" && rawId.length <= 200 ? rawId : deterministicId(JSON.stringify(raw) ?? "undefined")}`;
  await store.commit(POISON_PARTITION, [
    { op: "upsert", document: { id, pk: POISON_PARTITION, kind: "poison", reaction, reason, event: redactPoisonEvent(raw), parkedAt: now.toISOString() } },
  ]);
};

/** Why an event is too deep to handle: cut down by the invocation guard already, or found here. */
const hostileNesting = (raw: unknown): string | undefined => {
  const marked = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[NESTING_REJECTION] : undefined;
  if (typeof marked === "string") return marked;
  return nestsDeeperThan(raw, MAX_EVENT_NESTING_DEPTH) ? `Event nested deeper than ${MAX_EVENT_NESTING_DEPTH} levels` : undefined;
};

/**
 * The delivery parsed, or parked as poison: hostile nesting first (parked with its top-level fields only: the whole
 * event is what no store or parser should hold), then the reaction's parser.
 */
export const parseOrPark = async <E>(
  deps: { readonly store: DocumentStore; readonly clock: () => Date },
  reaction: { readonly name: string; readonly parser: EventParser<E> },
  raw: unknown,
): Promise<ParseResult<E>> => {
  const tooDeep = hostileNesting(raw);
  const parsed: ParseResult<E> = tooDeep ? { ok: false, reason: tooDeep } : reaction.parser.parse(raw);
  if (!parsed.ok) await parkPoisonEvent(deps.store, reaction.name, tooDeep ? shallowEnvelope(raw) : raw, parsed.reason, deps.clock());
  return parsed;
};
