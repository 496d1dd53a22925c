import { z } from "zod";
import { documentSchema, queryValid, readValid } from "#src/platform/documentSchema";
import { CorruptDocumentError } from "#src/platform/errors";
import { problemFromError } from "#src/platform/http";
import { openSession } from "#src/platform/reactions";
import { createInMemoryStore } from "../../support/inMemoryStore";

const parcelSchema = documentSchema("parcel", { status: z.enum(["Packed", "Shipped"]), weightGrams: z.number().int() });
const parcel = { id: "parcel:p-1", pk: "p-1", kind: "parcel", status: "Packed", weightGrams: 1200 };

const refusal = async (read: Promise<unknown>): Promise<CorruptDocumentError> => {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CorruptDocumentError)) throw new Error(`expected a CorruptDocumentError, got ${String(error)}`);
  return error;
};

describe("readValid / queryValid: stored documents parsed with their schema", () => {
  it("reads a valid document, keeping system properties and fields a later version added", async () => {
    const store = createInMemoryStore([{ ...parcel, _ts: 1764000000, carrier: "added later" }]);
    const read = await readValid(store, parcelSchema, "parcel:p-1", "p-1");
    expect(read).toEqual({ ...parcel, _ts: 1764000000, carrier: "added later", _etag: expect.any(String) });
  });

  it("answers undefined for a missing document", async () => {
    await expect(readValid(createInMemoryStore(), parcelSchema, "parcel:p-1", "p-1")).resolves.toBeUndefined();
  });

  it("refuses a document whose field has an unknown value, naming its id, partition, kind and the field, not the value", async () => {
    const store = createInMemoryStore([{ ...parcel, status: "Lost-in-Narnia" }]);
    const error = await refusal(readValid(store, parcelSchema, "parcel:p-1", "p-1"));
    expect(error.document).toEqual({ id: "parcel:p-1", partition: "p-1", kind: "parcel" });
    expect(error.path).toBe("status");
    expect(error.message).toContain("parcel:p-1");
    expect(error.message).not.toContain("Narnia");
  });

  it("refuses a document that lacks a field the code relies on", async () => {
    const { weightGrams: _dropped, ...withoutWeight } = parcel;
    const error = await refusal(readValid(createInMemoryStore([withoutWeight]), parcelSchema, "parcel:p-1", "p-1"));
    expect(error.path).toBe("weightGrams");
  });

  it("refuses a document of another kind under the expected id", async () => {
    const error = await refusal(readValid(createInMemoryStore([{ ...parcel, kind: "letter" }]), parcelSchema, "parcel:p-1", "p-1"));
    expect(error).toMatchObject({ path: "kind", document: { kind: "letter" } });
  });

  it("reads through a load session (no system properties) as through the store", async () => {
    const session = openSession(createInMemoryStore([parcel]));
    await expect(readValid(session.store, parcelSchema, "parcel:p-1", "p-1")).resolves.toEqual(parcel);
  });

  it("parses every document a query returns, and refuses the query when one is corrupt", async () => {
    const second = { ...parcel, id: "parcel:p-2", status: "Shipped" };
    await expect(queryValid(createInMemoryStore([parcel, second]), parcelSchema, "p-1", "c.kind = 'parcel'")).resolves.toHaveLength(2);
    const corrupt = createInMemoryStore([parcel, { ...second, weightGrams: "heavy" }]);
    const error = await refusal(queryValid(corrupt, parcelSchema, "p-1", "c.kind = 'parcel'"));
    expect(error).toMatchObject({ path: "weightGrams", document: { id: "parcel:p-2", partition: "p-1" } });
  });

  it("maps to a 500 problem that names the document but carries none of its data", async () => {
    const store = createInMemoryStore([{ ...parcel, status: "secret-value" }]);
    const response = problemFromError(await refusal(readValid(store, parcelSchema, "parcel:p-1", "p-1")));
    expect(response.status).toBe(500);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json; charset=utf-8" });
    expect(response.jsonBody).toMatchObject({ code: "STORE.CORRUPT_DOCUMENT", document: { id: "parcel:p-1", partition: "p-1", kind: "parcel" }, path: "status" });
    expect(JSON.stringify(response.jsonBody)).not.toContain("secret-value");
  });
});
