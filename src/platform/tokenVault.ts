import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AppRole, requireAppRole } from "./appRoles";
import { DocumentSchema, documentSchema } from "./documentSchema";
import { json, readJsonBody } from "./http";
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
  /** Keeps `token` for `owner`; answers the new reference. One document in its own partition, written once. */
  keep(store: DocumentStore, request: { readonly owner: string; readonly token: string; readonly now: Date }): Promise<string>;
  /** The token behind `reference` when it belongs to `owner`; why not, otherwise. */
  resolve(read: ReferenceReader, reference: string, owner: string): Promise<{ readonly token: string } | { readonly refused: string }>;
}

/** A point read, as an HTTP handler's store or a reaction's `load` context gives it. */
export type ReferenceReader = <S extends DocumentSchema>(schema: S, id: string, pk: string) => Promise<z.infer<S> | undefined>;

/** `ownerNoun` names the owner in a refusal ("belongs to another customer"). */
export const tokenVault = <K extends string>(kind: K, prefix: string, ownerNoun: string): TokenVault<K> => {
  const schema = documentSchema(kind, { owner: z.string(), token: z.string(), createdAt: z.string() });
  const idOf = (reference: string) => `${kind}:${reference}`;
  const document: TokenVault<K>["document"] = ({ reference, owner, token, now }) => ({ id: idOf(reference), pk: reference, kind, owner, token, createdAt: now.toISOString() });
  return {
    kind,
    document,
    async keep(store, { owner, token, now }) {
      // The shape src/events/tokenReferences.ts checks: unguessable, and nothing in it to decode.
      const reference = `${prefix}_${randomBytes(24).toString("base64url")}`;
      await store.commit(reference, [{ op: "create", document: document({ reference, owner, token, now }) }]);
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
 * token }` by `body`), get 201 and the reference. A retried request makes a second reference to the same token, which
 * is harmless: a reference spends nothing until an order or top-up names it.
 */
export const keepTokenHttp =
  <K extends string>(
    vault: TokenVault<K>,
    options: { readonly role: AppRole; readonly body: z.ZodType<{ owner: string; token: string }>; readonly answer: (reference: string) => Record<string, string> },
  ): HttpHandler<unknown> =>
  async (request, { store, clock }) => {
    requireAppRole(request, options.role);
    const { owner, token } = await readJsonBody(request, options.body);
    return json(201, options.answer(await vault.keep(store, { owner, token, now: clock() })));
  };
