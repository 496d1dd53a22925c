import * as fs from "node:fs";
import * as path from "node:path";
import { FunctionsHostError } from "./errors";

const hasMagic = (pattern: string): boolean => /[*?]/.test(pattern);

const segmentRegex = (segment: string): RegExp => {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  return new RegExp(`^${body}$`);
};

const listDir = (dir: string): fs.Dirent[] => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
};

// Like globby's defaults: wildcards do not match dot-files unless the pattern segment itself starts with a dot.
const visible = (name: string, segment: string): boolean => !name.startsWith(".") || segment.startsWith(".");

const walk = (dir: string, segments: readonly string[], out: Set<string>, depth: number): void => {
  if (depth > 64) return;
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  const isLast = rest.length === 0;
  if (segment === "**") {
    walk(dir, rest, out, depth + 1);
    for (const entry of listDir(dir)) {
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") {
        walk(path.join(dir, entry.name), segments, out, depth + 1);
      }
    }
    return;
  }
  if (!hasMagic(segment)) {
    const next = path.join(dir, segment);
    if (isLast) {
      if (fs.existsSync(next) && fs.statSync(next).isFile()) out.add(next);
    } else {
      walk(next, rest, out, depth + 1);
    }
    return;
  }
  const regex = segmentRegex(segment);
  for (const entry of listDir(dir)) {
    if (!regex.test(entry.name) || !visible(entry.name, segment)) continue;
    const next = path.join(dir, entry.name);
    if (isLast && entry.isFile()) out.add(next);
    else if (!isLast && entry.isDirectory()) walk(next, rest, out, depth + 1);
  }
};

/**
 * The files the package.json `main` field names, as the Node worker reads it: a path or a glob (`*`, `?`, `**`)
 * relative to the app root. Sorted, so load order does not depend on the file system.
 */
export const resolveEntryPoints = (appRoot: string, main: string): string[] => {
  const pattern = main.replace(/\\/g, "/").replace(/^\.\//, "");
  const out = new Set<string>();
  walk(appRoot, pattern.split("/").filter((s) => s.length > 0 && s !== "."), out, 0);
  const files = [...out].sort();
  if (files.length === 0) {
    const reason = hasMagic(pattern) ? "Found zero files matching the supplied pattern" : "File does not exist";
    throw new FunctionsHostError("HOST.ENTRY_POINT_NOT_FOUND", `Unable to load entry point "${main}": ${reason}`);
  }
  return files;
};
