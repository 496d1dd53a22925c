/* eslint-disable @typescript-eslint/no-require-imports */
import { linearizeReducers } from "../src/cosmosLinearQueries";

// The query engine's own stages, used as the engine does (lib/index.js): parse, transform, generate, execute.
const { parse } = require("@zeit/cosmosdb-query/lib/parser") as { parse(query: string): unknown };
const transform = (require("@zeit/cosmosdb-query/lib/transformer") as { default(ast: unknown): unknown }).default;
const generate = (require("@babel/generator") as { default(ast: unknown): { code: string } }).default;
const execute = (require("@zeit/cosmosdb-query/lib/executor") as { default(coll: unknown[], options: unknown): { result: unknown[]; continuation: unknown } }).default;

const compile = (query: string, linear: boolean): string => {
  const jsAst = transform(parse(query));
  return generate(linear ? linearizeReducers(jsAst) : jsAst).code;
};

const families = Array.from({ length: 40 }, (_, i) => ({
  id: `f${i}`,
  _rid: `rid${String(i).padStart(4, "0")}`,
  kind: i % 3 === 0 ? "flowSummary" : "journalEntry",
  lastEventAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i * 7 % 40)).toISOString(),
  children: i % 4 === 0 ? [] : Array.from({ length: i % 4 }, (_, c) => ({ name: `c${i}-${c}`, pets: c % 2 ? [{ name: `p${i}-${c}` }] : undefined })),
  address: i % 5 === 0 ? undefined : { city: `city${i % 3}` },
}));

const queries = [
  "SELECT * FROM c",
  "SELECT * FROM c WHERE c.kind = 'flowSummary'",
  "SELECT TOP 5 * FROM c WHERE c.kind = 'flowSummary' ORDER BY c.lastEventAt DESC",
  "SELECT VALUE COUNT(1) FROM c",
  "SELECT c.id, ch.name FROM c JOIN ch IN c.children",
  "SELECT f.id, ch.name, p.name AS pet FROM Families f JOIN ch IN f.children JOIN p IN ch.pets",
  "SELECT a FROM c.address a",
  "SELECT c.id FROM c JOIN (SELECT VALUE ch FROM ch IN c.children WHERE ENDSWITH(ch.name, '-1')) x",
];

describe("local Cosmos server: FROM and JOIN compiled to linear code", () => {
  it.each(queries)("gives the engine's own rows, in its order, for %s", (query) => {
    const run = (linear: boolean) => execute(JSON.parse(JSON.stringify(families)) as unknown[], { code: compile(query, linear), maxItemCount: 1000 });
    const linear = run(true);
    expect(linear).toEqual(run(false));
    expect(linear.result.length).toBeGreaterThan(0);
  });

  it("no longer copies the rows read so far for every document (the engine's `[...$, row]`)", () => {
    for (const query of queries) {
      expect(compile(query, false)).toContain("[...$,");
      expect(compile(query, true)).not.toContain("[...$");
    }
  });
});

describe("local Cosmos server: query results cleaned in linear time", () => {
  const helpers = require("@zeit/cosmosdb-query/lib/helpers") as { stripUndefined(value: unknown): unknown };
  const original = helpers.stripUndefined;

  it("drops undefined from results as the engine does, arrays and objects, at any depth", () => {
    const { stripUndefinedLinear } = require("../src/cosmosLinearQueries") as { stripUndefinedLinear(value: unknown): unknown };
    const samples: unknown[] = [
      [1, undefined, "a", null, [undefined, { x: undefined, y: [undefined, 2] }], { a: undefined, b: null, c: { d: undefined } }],
      { id: "x", list: [undefined], nested: { deeper: [[undefined, 1], { k: undefined }] }, zero: 0, empty: "" },
      [],
      {},
      null,
      undefined,
      "text",
      42,
      families.map((f) => ({ ...f, extra: undefined })),
    ];
    for (const sample of samples) expect(stripUndefinedLinear(sample)).toEqual(original(sample));
    // toEqual treats a missing key and an undefined one alike: compare what JSON keeps and the keys themselves too.
    const nested = { a: undefined, b: [undefined, { c: undefined, d: 1 }] };
    expect(Object.keys(stripUndefinedLinear(nested) as object)).toEqual(["b"]);
    expect(JSON.stringify(stripUndefinedLinear(nested))).toBe(JSON.stringify(original(nested)));
  });

  it("is what the engine calls once the server's patches are installed (its own copies the array so far per element)", () => {
    const { installLinearQueries } = require("../src/cosmosLinearQueries") as { installLinearQueries(): void };
    expect(original.toString()).toContain("[...o,");
    installLinearQueries();
    expect(helpers.stripUndefined).not.toBe(original);
    expect(helpers.stripUndefined.toString()).not.toContain("[...o");
  });
});
