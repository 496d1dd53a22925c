import { readFileSync } from "node:fs";
import path from "node:path";
import { docsFiles } from "#scripts/gen-docs";

describe("generated docs", () => {
  it.each(docsFiles(path.resolve(__dirname, "../..")))("$file is up to date with the code (npm run gen:docs)", ({ file, content }) => {
    expect(readFileSync(file, "utf8")).toBe(content);
  });
});
