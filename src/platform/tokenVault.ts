import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AppRole, requireAppRole } from "./appRoles";
import { DocumentSchema, documentSchema, readValid } from "./documentSchema";
import { ConcurrencyConflictError, ConflictError } from "./errors";
import { readIdempotencyKey, requestHashOf } from "./flowStart";
import { json, readJsonBody } from "./http";
import { deterministicId } from "./ids";
import { HttpHandler } from "./serviceModule";
import { DocumentStore, StoredDocument } from "./store";

/**
 * A high-value token — one that moves money by itself: a card token the gateway charges, a bank token the bank debits —
 * stays with the one service that spends it. The caller hands it to that service once and gets an opaque reference;
 * events, outboxes, the journal, retries and dead letters carry only the reference, which nothing but that service can
 * turn into a payment (infra/README.md, "Sensitive fields"). A reference belongs to one owner (the customer, the
 * wallet): spent for anyone else, it is refused.
 */
export interface TokenVault<K extends string> {
  readonly kind: K;
  /** The document that keeps `token` under `reference` (what `keep` writes; specs seed stores with it). */
  document(kept: { readonly reference: string; readonly owner: string; readonly token: string; readonly now: Date }): StoredDocument;
  /**
   * Keeps `token` for `owner`; answers the new reference. One document in its own partition, written once. With an
   * `idempotencyKey`, a repeat of the same request answers the same reference, and the key reused for another token is
   * a 409 `reusedKeyCode`.
   */
  keep(store: DocumentStore, request: KeepRequest): Promise<string>;
  /** The token behind `reference` when it belongs to `owner`; why not, otherwise. */
  resolve(read: ReferenceReader, reference: string, owner: string): Promise<{ readonly token: string } | { readonly refused: string }>;
}

export interface KeepRequest {
  readonly owner: string;
  readonly token: string;
  readonly now: Date;
  readonly idempotencyKey?: string;
}

/** A point read, as an HTTP handler's store or a reaction's `load` context gives it. */
export type ReferenceReader = <S extends DocumentSchema>(schema: S, id: string, pk: string) => Promise<z.infer<S> | undefined>;

/**
 * `ownerNoun` names the owner in a refusal ("belongs to another customer"); `reusedKeyCode` is the 409's code when an
 * Idempotency-Key comes back with another token (`PAYMENT_METHOD.IDEMPOTENCY_KEY_REUSED`).
 */
export const tokenVault = <K extends string>(kind: K, prefix: string, ownerNoun: string, reusedKeyCode: string): TokenVault<K> => {
  const schema = documentSchema(kind, { owner: z.string(), token: z.string(), createdAt: z.string() });
  const idOf = (reference: string) => `${kind}:${reference}`;
  const document: TokenVault<K>["document"] = ({ reference, owner, token, now }) => ({ id: idOf(reference), pk: reference, kind, owner, token, createdAt: now.toISOString() });
  // A keyed request's record: which reference it got, and a hash of what it asked (it lives next to the token anyway).
  const requestKind = `${kind}Request`;
  const requestSchema = documentSchema(requestKind, { reference: z.string(), requestHash: z.string() });
  // The shape src/events/tokenReferences.ts checks: unguessable, and nothing in it to decode.
  const newReference = () => `${prefix}_${randomBytes(24).toString("base64url")}`;

  /** The reference a keyed request got: the one recorded for its key, else a new one, recorded first. */
  const referenceForKey = async (store: DocumentStore, owner: string, token: string, key: string, now: Date): Promise<string> => {
    const pk = deterministicId(requestKind, owner, key);
    const requestHash = requestHashOf([owner, token]);
    const recorded = await readValid(store, requestSchema, pk, pk);
    if (recorded) {
      if (recorded.requestHash !== requestHash) throw new ConflictError(reusedKeyCode, "This Idempotency-Key was already used with a different request body");
      return recorded.reference;
    }
    const reference = newReference();
    try {
      await store.commit(pk, [{ op: "create", document: { id: pk, pk, kind: requestKind, reference, requestHash, createdAt: now.toISOString() } }]);
      return reference;
    } catch (error) {
      // Two requests with the same key at once: the first record wins, and this one answers as its repeat.
      if (error instanceof ConcurrencyConflictError) return referenceForKey(store, owner, token, key, now);
      throw error;
    }
  };

  return {
    kind,
    document,
    async keep(store, { owner, token, now, idempotencyKey }) {
      if (idempotencyKey === undefined) {
        const reference = newReference();
        await store.commit(reference, [{ op: "create", document: document({ reference, owner, token, now }) }]);
        return reference;
      }
      // The request record and the token live in different partitions, so no batch holds both: the record comes first,
      // and a repeat after a crash between the two writes keeps the token under the recorded reference.
      const reference = await referenceForKey(store, owner, token, idempotencyKey, now);
      try {
        await store.commit(reference, [{ op: "create", document: document({ reference, owner, token, now }) }]);
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError)) throw error;
      }
      return reference;
    },
    async resolve(read, reference, owner) {
      const kept = await read(schema, idOf(reference), reference);
      if (!kept) return { refused: `${reference} is not a ${kind} this service keeps` };
      if (kept.owner !== owner) return { refused: `${reference} belongs to another ${ownerNoun}` };
      return { token: kept.token };
    },
  };
};

/**
 * The HTTP edge of a vault: `POST` the owner and the token (in the service's own field names, mapped to `{ owner,
 * token }` by `body`), get 201 and the reference. With an `Idempotency-Key` a retried request gets the same reference;
 * without one it makes a second reference to the same token, which is harmless: a reference spends nothing until an
 * order or top-up names it.
 */
export const keepTokenHttp =
  <K extends string>(
    vault: TokenVault<K>,
    options: { readonly role: AppRole; readonly body: z.ZodType<{ owner: string; token: string }>; readonly answer: (reference: string) => Record<string, string> },
  ): HttpHandler<unknown> =>
  async (request, { store, clock }) => {
    requireAppRole(request, options.role);
    const { owner, token } = await readJsonBody(request, options.body);
    const idempotencyKey = readIdempotencyKey(request);
    return json(201, options.answer(await vault.keep(store, { owner, token, now: clock(), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) })));
  };
