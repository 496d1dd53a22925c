import type { SqlParameter } from "@azure/cosmos";
import { z } from "zod";
import { CorruptDocumentError } from "./errors";
import { DocumentReader, DocumentStore, ReadOptions, StoredDocument, Versioned } from "./store";

/**
 * A stored document's schema: a loose object, so Cosmos system properties (`_etag`, `_ts`, …) and fields a later
 * version adds pass through untouched (and are written back as read), while the fields the code relies on are checked.
 */
export const documentSchema = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.looseObject({ id: z.string(), pk: z.string(), kind: z.literal(kind), ttl: z.number().optional(), ...shape });

/** Loose object schemas (from `documentSchema`, or unions of them), so what Cosmos adds survives the parse. */
export type DocumentSchema = z.ZodType<StoredDocument>;

const label = (value: unknown): string => (typeof value === "string" && value.length <= 200 ? value : "(unknown)");

/** The document as its schema reads it, or a CorruptDocumentError naming it and the first offending field. */
export const parseDocument = <S extends DocumentSchema>(schema: S, raw: StoredDocument): z.infer<S> => {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [first] = parsed.error.issues;
  // The issue's code and path only: a message may quote the stored value, which is data a client must not see.
  throw new CorruptDocumentError(
    { id: label(raw.id), partition: label(raw.pk), kind: label(raw.kind) },
    first && first.path.length > 0 ? first.path.map(String).join(".") : "(document)",
    first?.code ?? "invalid",
  );
};

/** What a read through `R` gives: a DocumentStore's reads carry the ETag (a loose schema passes `_etag` through). */
type ReadThrough<R extends DocumentReader, T> = R extends DocumentStore ? Versioned<T> : T;

/**
 * Point read, parsed: undefined when missing. For HTTP handlers and timers; a reaction's `load` reads through its
 * context's `read`, which remembers versions for the commit.
 */
export const readValid = async <R extends DocumentReader, S extends DocumentSchema>(
  reader: R,
  schema: S,
  id: string,
  pk: string,
  options?: ReadOptions,
): Promise<ReadThrough<R, z.infer<S>> | undefined> => {
  const found = await reader.readDocument(id, pk, options);
  return found && (parseDocument(schema, found) as ReadThrough<R, z.infer<S>>);
};

/** One-partition query (see DocumentReader.queryDocuments), every document parsed. */
export const queryValid = async <R extends DocumentReader, S extends DocumentSchema>(
  reader: R,
  schema: S,
  pk: string | undefined,
  where: string,
  parameters?: readonly SqlParameter[],
  options?: ReadOptions,
): Promise<ReadThrough<R, z.infer<S>>[]> => {
  const found = await reader.queryDocuments(pk, where, parameters, options);
  return found.map((document) => parseDocument(schema, document) as ReadThrough<R, z.infer<S>>);
};
