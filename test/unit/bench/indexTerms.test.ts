import { INDEX_EVERYTHING, indexingPolicyOf } from "#src/containerIndexing";
import { RU, ruByCategory } from "#scripts/bench/cost";
import { indexedTerms, policyOfContainer, termsOfWrite } from "#scripts/bench/indexTerms";
import { emptyCounts } from "#scripts/bench/storeObserver";

/** A journal entry as the store answers a write: system properties, the flow's id, the redacted event. */
const journalEntry = {
  id: "entry-e1",
  pk: "flow-1",
  kind: "journalEntry",
  recordedAt: "2026-12-06T10:00:00.000Z",
  ttl: 2_592_000,
  event: {
    id: "e1",
    type: "Orders.OrderPlaced.v2",
    source: "/orders",
    correlationid: "flow-1",
    data: { orderId: "o-1", lines: [{ sku: "A", quantity: 1 }, { sku: "B", quantity: 2 }], totalCents: 1200 },
  },
  _rid: "abc",
  _self: "dbs/x/colls/y/docs/z",
  _etag: '"0001"',
  _attachments: "attachments/",
  _ts: 1_765_015_200,
};

describe("indexed terms of a written document (the bench's write RU)", () => {
  it("counts every scalar, array elements too, plus id and _ts, under Cosmos DB's default policy", () => {
    // pk, kind, recordedAt, ttl (4) + event id, type, source, correlationid (4) + orderId, 2 × (sku, quantity), totalCents (6) + id, _ts.
    expect(indexedTerms(journalEntry, INDEX_EVERYTHING)).toBe(16);
  });

  it("counts only the paths a container's policy includes: the journal indexes no field of the event but its flow", () => {
    // kind and event.correlationid (the poison view's path, present on entries too) + id, _ts.
    expect(indexedTerms(journalEntry, indexingPolicyOf("journal"))).toBe(4);
    expect(termsOfWrite("journal", journalEntry)).toEqual({ policy: 4, indexEverything: 16 });
  });

  it("lets the most precise path win, an exclusion on a tie", () => {
    const policy = { ...INDEX_EVERYTHING, includedPaths: [{ path: "/*" }, { path: "/event/id/?" }], excludedPaths: [{ path: "/event/*" }, { path: "/pk/?" }, { path: '/"_etag"/?' }] };
    // Everything but event.* (event.id back in) and pk: kind, recordedAt, ttl, event.id + id, _ts.
    expect(indexedTerms(journalEntry, policy)).toBe(6);
    expect(indexedTerms(journalEntry, { ...policy, includedPaths: [...policy.includedPaths, { path: "/pk/?" }] })).toBe(6);
  });

  it("gives a container the manifest does not know Cosmos DB's default", () => {
    expect(policyOfContainer("not-a-container")).toBe(INDEX_EVERYTHING);
    expect(policyOfContainer("journal")).toEqual(indexingPolicyOf("journal"));
  });

  it("refuses a path that is not an index path", () => {
    expect(() => indexedTerms(journalEntry, { ...INDEX_EVERYTHING, includedPaths: [{ path: "/kind" }] })).toThrow(/index path/);
  });
});

describe("the RU model's writes", () => {
  it("charges a write its KB and its indexed terms, under the container's policy or under index-everything", () => {
    const counts = emptyCounts();
    counts.writes.journal = { documents: 2, kbCeil: 3, bytes: 2500, indexedTerms: 8, indexedTermsIfIndexEverything: 40 };
    expect(ruByCategory(counts).journal).toBe(3 * RU.writeBasePerKb + 8 * RU.writePerIndexedTerm);
    expect(ruByCategory(counts, "indexEverything").journal).toBe(3 * RU.writeBasePerKb + 40 * RU.writePerIndexedTerm);
  });

  it("prices a 1 KB document of 20 indexed properties at the ≈ 5 RU Microsoft documents for a 1 KB write", () => {
    expect(RU.writeBasePerKb + 20 * RU.writePerIndexedTerm).toBe(5);
  });
});
