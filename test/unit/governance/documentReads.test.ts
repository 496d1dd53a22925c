import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const servicesRoot = path.resolve(__dirname, "../../../src/services");

/** Reads that bypass readValid/queryValid, each with its reason; anything else found in src/services fails. */
const allowed: Record<string, string> = {
  "journal/flowIndex.ts": "a cross-partition query of the summaries, each through parseDocument; a flow's entries projected to a step's fields, each row through flowStepRowSchema",
  "journal/eventMapFeed.ts": "projects journal entries and poison records to a few fields, each checked for its type (toMapEntry) before use",
  "journal/flowIncidents.ts": "projects the platform's poison records (not a service document) to a few fields",
  "journal/flowView.ts": "reads the summary for its _etag only: the same ETag answers with the copy validated when read, any other goes through queryValid",
};

const rawRead = /\.(readDocument|queryDocuments)\s*[<(]|\.items\s*\.query\s*[<(]|\.item\([^)]*\)\s*\.read\s*[<(]/g;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));

describe("documents read from Cosmos are parsed with their schema", () => {
  it("no service reads a stored document without readValid/queryValid, except where the list says why", () => {
    const found = filesUnder(servicesRoot).flatMap((file) => {
      const relative = path.relative(servicesRoot, file).split(path.sep).join("/");
      const reads = [...readFileSync(file, "utf8").matchAll(rawRead)].map((m) => `${relative}: ${m[0]}`);
      return relative in allowed ? [] : reads;
    });
    expect(found).toEqual([]);
  });
});
