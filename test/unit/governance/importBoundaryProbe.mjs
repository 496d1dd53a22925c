// Lints snippets as if they lived at the given paths, with the repository's eslint.config.mjs and without type
// information (the boundaries need none, and a snippet is not part of the TypeScript project). Prints, per snippet,
// the messages of the import-boundary rule.
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: [tseslint.configs.disableTypeChecked, { languageOptions: { parserOptions: { projectService: false } } }],
});
const results = [];
for (const { code, filePath } of JSON.parse(process.argv[2])) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push(result.messages.filter((m) => m.ruleId === "no-restricted-imports" || m.fatal).map((m) => m.message));
}
console.log(JSON.stringify(results));
