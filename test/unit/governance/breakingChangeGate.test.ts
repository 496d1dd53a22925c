import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { JsonSchema } from "#src/events/compatibility";
import { eventCatalog } from "#src/events/catalog";
import { SCHEMAS_PATH, SchemaHistoryUnavailableError, runSchemaGate } from "#src/governance/schemaGate";
import { renderEventSchemas } from "#scripts/gen-docs";

const repoRoot = path.resolve(__dirname, "../../..");
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=gate test", "-c", "user.email=gate@test.invalid", "-C", cwd, ...args], { encoding: "utf8", stdio: "pipe" });

const currentSchemas = (): Record<string, JsonSchema> => JSON.parse(renderEventSchemas()) as Record<string, JsonSchema>;

/** The schemas the code would produce if OrderPlaced.v2's zod schema were `edit(schema)`. */
const schemasWithOrderPlaced = (edit: (s: z.ZodObject) => z.ZodType, asType = "Orders.OrderPlaced.v2"): Record<string, JsonSchema> => {
  const schemas = currentSchemas();
  const edited = edit(eventCatalog["Orders.OrderPlaced.v2"].schema);
  schemas[asType] = z.toJSONSchema(edited, { unrepresentable: "any", io: "input" }) as JsonSchema;
  return schemas;
};

describe("breaking-change gate (every published schema version vs the code)", () => {
  it("finds no breaking change between any published version in this repository's history and the code", () => {
    const report = runSchemaGate(repoRoot, currentSchemas());
    expect(report.breaking).toEqual([]);
    expect(report.versionsChecked).toBeGreaterThanOrEqual(1);
  });

  describe("on a temporary clone where a commit changes Orders.OrderPlaced.v2", () => {
    let clone: string;
    beforeEach(() => {
      clone = mkdtempSync(path.join(tmpdir(), "schema-gate-"));
      git(repoRoot, "clone", "--quiet", repoRoot, clone);
      // CI runs on a fresh clone of main: HEAD is main, so "the merge base with main" is HEAD itself.
      git(clone, "checkout", "--quiet", "-B", "main");
    });
    afterEach(() => rmSync(clone, { recursive: true, force: true }));

    const commitSchemas = (schemas: Record<string, JsonSchema>, message: string) => {
      writeFileSync(path.join(clone, SCHEMAS_PATH), `${JSON.stringify(schemas, null, 2)}\n`);
      git(clone, "commit", "--quiet", "--allow-empty", "-am", message);
    };

    it("fails when the commit adds a required field, even with regenerated docs committed on main", () => {
      const breaking = schemasWithOrderPlaced((s) => s.extend({ giftNote: z.string() }));
      commitSchemas(breaking, "Orders.OrderPlaced.v2 gains a required giftNote");
      const findings = runSchemaGate(clone, breaking).breaking;
      expect(findings.length).toBeGreaterThan(0);
      for (const finding of findings) expect(finding).toMatch(/^Orders\.OrderPlaced\.v2 data\.giftNote: now required/);
    });

    it("fails when a later commit on top of the break makes it look settled", () => {
      const breaking = schemasWithOrderPlaced((s) => s.extend({ giftNote: z.string() }));
      commitSchemas(breaking, "the break");
      git(clone, "commit", "--quiet", "--allow-empty", "-m", "an unrelated commit afterwards");
      expect(runSchemaGate(clone, breaking).breaking.join("\n")).toMatch(/data\.giftNote: now required/);
    });

    it("passes an optional field, and the same required field as a new .v3 type", () => {
      const optional = schemasWithOrderPlaced((s) => s.extend({ giftNote: z.string().optional() }));
      commitSchemas(optional, "optional giftNote");
      expect(runSchemaGate(clone, optional).breaking).toEqual([]);
      const v3 = schemasWithOrderPlaced((s) => s.extend({ giftNote: z.string() }), "Orders.OrderPlaced.v3");
      expect(runSchemaGate(clone, v3).breaking).toEqual([]);
    });
  });

  it("refuses to judge from a shallow clone that lacks the published history, and says how to get it", () => {
    const shallow = mkdtempSync(path.join(tmpdir(), "schema-gate-shallow-"));
    try {
      git(repoRoot, "clone", "--quiet", "--depth", "1", `file://${repoRoot}`, shallow);
      expect(() => runSchemaGate(shallow, currentSchemas())).toThrow(SchemaHistoryUnavailableError);
      expect(() => runSchemaGate(shallow, currentSchemas())).toThrow(/fetch-depth: 0/);
    } finally {
      rmSync(shallow, { recursive: true, force: true });
    }
  });
});
