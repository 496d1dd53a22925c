import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(__dirname, "../..");
const README_MAX_CHARACTERS = 15_000;

/** The front page and the pages beside it: README.md and docs/*.md. */
const pages = ["README.md", ...readdirSync(path.join(repoRoot, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

const read = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

/** The lines outside fenced code blocks, where Markdown links and headings are what they look like. */
const proseLines = (markdown: string): string[] => {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) fence = fence === undefined ? marker : undefined;
    else if (fence === undefined) lines.push(line);
  }
  return lines;
};

/** Inline links and images `[text](target "title")`, reference definitions `[ref]: target`, and HTML `href`s. */
const linkTargets = (markdown: string): string[] =>
  proseLines(markdown).flatMap((line) => {
    const prose = line.replace(/`[^`]*`/g, "");
    return [
      ...[...prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!),
    ].map((target) => target.replace(/^<|>$/g, ""));
  });

/** GitHub's heading anchor: the heading's text, lower case, punctuation but '-' and '_' dropped, each space a '-'. */
const githubSlug = (heading: string): string =>
  heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");

/** Every anchor a Markdown file offers; a repeated heading gets -1, -2, … as on GitHub. */
const anchorsOf = (file: string): Set<string> => {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(read(file))) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
};

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

const relativeLinks = pages.flatMap((file) => linkTargets(read(file)).filter((t) => !isExternal(t)).map((link) => ({ file, link })));

/** Why a relative link from `file` does not lead anywhere, or undefined when it does. */
const brokenBecause = (file: string, link: string): string | undefined => {
  const [pathPart = "", anchor] = link.split("#", 2);
  const target = pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(pathPart)));
  if (target.startsWith("..")) return `${target} is outside the repository`;
  if (!existsSync(path.join(repoRoot, target))) return `${target} does not exist`;
  if (anchor === undefined) return undefined;
  if (!target.endsWith(".md")) return `#${anchor} points into ${target}, which has no headings`;
  const anchors = anchorsOf(target);
  return anchors.has(decodeURIComponent(anchor).toLowerCase()) ? undefined : `${target} has no heading #${anchor} (it has: ${[...anchors].join(", ")})`;
};

describe("the README and docs/*.md", () => {
  it("README.md fits on a few screens: under 15,000 characters", () => {
    expect(Array.from(read("README.md")).length).toBeLessThan(README_MAX_CHARACTERS);
  });

  it("have relative links to check (the link parser finds them)", () => {
    expect(relativeLinks.filter((l) => l.file === "README.md").length).toBeGreaterThan(5);
  });

  it.each(relativeLinks)("$file → $link resolves to a file and heading that exist", ({ file, link }) => {
    expect(brokenBecause(file, link)).toBeUndefined();
  });

  it("every docs/*.md page is linked from README.md", () => {
    const fromReadme = new Set(relativeLinks.filter((l) => l.file === "README.md").map((l) => path.posix.normalize(l.link.split("#")[0]!)));
    expect(pages.filter((p) => p.startsWith("docs/") && !fromReadme.has(p))).toEqual([]);
  });
});

describe("githubSlug", () => {
  it.each([
    ["Governance that `npm test` enforces", "governance-that-npm-test-enforces"],
    ["The local stack (`npm start`)", "the-local-stack-npm-start"],
    ["Operating failures: dead letters, poison, crashes", "operating-failures-dead-letters-poison-crashes"],
    ["Payments: every interleaving of charge and cancellation", "payments-every-interleaving-of-charge-and-cancellation"],
    ["snake_case and kebab-case stay", "snake_case-and-kebab-case-stay"],
    ["A [linked](x.md) heading", "a-linked-heading"],
  ])("%s → #%s", (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });
});
