import type { Container } from "@azure/cosmos";
import { ConcurrencyConflictError, TransientError } from "#src/platform/errors";
import { problemFromError } from "#src/platform/http";
import { createCosmosDocumentStore } from "#src/platform/store";

/** The adapter against a jest-mocked @azure/cosmos Container. */
const mockContainer = () => {
  const read = jest.fn();
  const fetchAll = jest.fn().mockResolvedValue({ resources: [{ id: "x" }] });
  const container = {
    item: jest.fn(() => ({ read })),
    items: { query: jest.fn(() => ({ fetchAll })), batch: jest.fn() },
  };
  return { container, read, fetchAll, store: createCosmosDocumentStore(container as unknown as Container) };
};

describe("Cosmos document store adapter", () => {
  it("reads by id and partition, and maps 404 to undefined", async () => {
    const m = mockContainer();
    m.read.mockRejectedValueOnce(Object.assign(new Error("nf"), { code: 404 }));
    await expect(m.store.readDocument("a", "p")).resolves.toBeUndefined();
    expect(m.container.item).toHaveBeenCalledWith("a", "p");
    m.read.mockRejectedValueOnce(Object.assign(new Error("boom"), { code: 503 }));
    await expect(m.store.readDocument("a", "p")).rejects.toThrow("boom");
  });

  it("scopes a query to its partition in the WHERE clause and in the options", async () => {
    const m = mockContainer();
    await m.store.queryDocuments("p1", "c.kind = @k", [{ name: "@k", value: "order" }]);
    expect(m.container.items.query).toHaveBeenCalledWith(
      { query: "SELECT * FROM c WHERE c.pk = @pk AND (c.kind = @k)", parameters: [{ name: "@pk", value: "p1" }, { name: "@k", value: "order" }] },
      expect.objectContaining({ partitionKey: "p1" }),
    );
  });

  it("sends writes as one transactional batch with ETag preconditions", async () => {
    const m = mockContainer();
    m.container.items.batch.mockResolvedValue({ result: [{ statusCode: 200 }, { statusCode: 201 }] });
    await m.store.commit("p", [
      { op: "replace", ifMatch: "e1", document: { id: "a", pk: "p", kind: "k" } },
      { op: "create", document: { id: "b", pk: "p", kind: "k" } },
    ]);
    expect(m.container.items.batch).toHaveBeenCalledWith(
      [
        { operationType: "Replace", id: "a", ifMatch: "e1", resourceBody: { id: "a", pk: "p", kind: "k" } },
        { operationType: "Create", resourceBody: { id: "b", pk: "p", kind: "k" } },
      ],
      "p",
      expect.anything(),
    );
  });

  it.each([412, 409])("turns a %i inside the batch into a concurrency conflict", async (status) => {
    const m = mockContainer();
    m.container.items.batch.mockResolvedValue({ code: 207, result: [{ statusCode: 424 }, { statusCode: status }] });
    await expect(m.store.commit("p", [{ op: "create", document: { id: "a", pk: "p", kind: "k" } }])).rejects.toBeInstanceOf(ConcurrencyConflictError);
  });

  it("reports a batch request that could not be sent (the SDK's wrapped 503/429/timeout) as a transient failure, answered 503 with Retry-After", async () => {
    const m = mockContainer();
    // @azure/cosmos 4.9 rethrows any failure of the batch request as a plain Error, its status code lost.
    m.container.items.batch.mockRejectedValue(new Error("Batch request error: Service is currently unavailable."));
    const failure = await m.store.commit("p", [{ op: "create", document: { id: "a", pk: "p", kind: "k" } }]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransientError);
    expect(problemFromError(failure)).toMatchObject({ status: 503, headers: expect.objectContaining({ "retry-after": "1" }) });
  });

  it("reports other batch failures as errors, and refuses more than 100 operations", async () => {
    const m = mockContainer();
    m.container.items.batch.mockResolvedValue({ result: [{ statusCode: 429 }] });
    await expect(m.store.commit("p", [{ op: "create", document: { id: "a", pk: "p", kind: "k" } }])).rejects.toThrow(/429/);
    const many = Array.from({ length: 101 }, (_, i) => ({ op: "create" as const, document: { id: `d${i}`, pk: "p", kind: "k" } }));
    await expect(m.store.commit("p", many)).rejects.toThrow(/at most 100/);
  });
});
