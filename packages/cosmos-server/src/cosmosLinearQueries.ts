import { cosmosServerModules } from "./cosmosServerModules";

/**
 * Linear-time FROM and JOIN for `@vercel/cosmosdb-server`'s query engine (`@zeit/cosmosdb-query` 0.7). The engine
 * compiles a query's FROM clause to `collection.reduce(($, c) => [...$, { c }], [])`: every document copies the
 * accumulator so far, so a query costs O(n²) in the documents it reads. A partition-scoped query reads a few
 * (cosmosPartitionQueries.ts), but every cross-partition one (the flow listing, the outbox relay, the poison
 * snapshots) reads the whole container: 8,000 documents took 56 ms, 32,000 took 5.8 s, 64,000 took 26 s, with the
 * server (and everything else in the stack's process) stalled meanwhile. So the compiled code is rewritten before
 * it runs: `[...$, a, ...b]` in such a reducer becomes `($.push(a, ...b), $)` — the same rows in the same order, with
 * the accumulator (a fresh `[]` per query) grown in place.
 * The same copying was in the helper that cleans every page of results (`stripUndefined`, which drops `undefined`
 * from arrays unlike JSON): O(n²) in a page's documents, so one page of 50,000 took 19 s and the local snapshot's
 * pages of 10,000 cost 0.4 s each. It is replaced by a linear one with the same output.
 */

const PATCHED = Symbol.for("azure-choreography.linearQueries");

/** The Babel AST nodes the engine's transformer produces, as far as this rewrite looks at them. */
interface Node {
  type: string;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && typeof (value as Node).type === "string";

const isAccumulator = (node: unknown): boolean => isNode(node) && node.type === "Identifier" && node.name === "$";

/** `[...$, x, ...y]` → `($.push(x, ...y), $)`; anything else unchanged. */
const appendInPlace = (node: unknown): unknown => {
  if (!isNode(node) || node.type !== "ArrayExpression") return node;
  const [first, ...rest] = node.elements as unknown[];
  if (!isNode(first) || first.type !== "SpreadElement" || !isAccumulator(first.argument)) return node;
  const accumulator = (): Node => ({ type: "Identifier", name: "$" });
  return {
    type: "SequenceExpression",
    expressions: [
      {
        type: "CallExpression",
        callee: { type: "MemberExpression", object: accumulator(), property: { type: "Identifier", name: "push" }, computed: false },
        arguments: rest,
      },
      accumulator(),
    ],
  };
};

/** Rewrites, in place, every reducer `($, …) => [...$, …]` (or `cond ? [...$, …] : $`) in the tree. */
export const linearizeReducers = <T>(tree: T): T => {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    if (value.type === "ArrowFunctionExpression" && isAccumulator((value.params as unknown[] | undefined)?.[0])) {
      const body = value.body;
      if (isNode(body) && body.type === "ConditionalExpression") body.consequent = appendInPlace(body.consequent);
      else value.body = appendInPlace(body);
    }
    for (const [key, child] of Object.entries(value)) if (key !== "type") visit(child);
  };
  visit(tree);
  return tree;
};

/**
 * The engine's `stripUndefined` without its copying: arrays lose their `undefined` elements, objects their keys whose
 * value is `undefined`, at any depth; anything else is returned as is.
 */
export const stripUndefinedLinear = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const kept: unknown[] = [];
    for (const item of value) if (item !== undefined) kept.push(stripUndefinedLinear(item));
    return kept;
  }
  if (value && typeof value === "object") {
    const kept: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) kept[key] = stripUndefinedLinear(item);
    return kept;
  }
  return value;
};

export const installLinearQueries = (): void => {
  // The engine calls it through the module's exports each time (its compiled queries and its paging helper alike).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helpers = require(cosmosServerModules.queryHelpers) as { stripUndefined: (value: unknown) => unknown };
  helpers.stripUndefined = stripUndefinedLinear;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const transformer = require(cosmosServerModules.queryTransformer) as { default: ((ast: unknown) => unknown) & { [PATCHED]?: true } };
  if (transformer.default[PATCHED]) return;
  const original = transformer.default;
  // The engine's Query reads `transformer.default` each time it compiles a query, so replacing it here takes effect
  // whenever this runs, before or after the server loads.
  const linear: typeof transformer.default = (ast) => linearizeReducers(original(ast));
  linear[PATCHED] = true;
  transformer.default = linear;
};
