/**
 * How deeply JSON text nests arrays and objects, found by scanning the text without parsing it, and stopping as soon
 * as the depth passes `stopAbove`. Recursive code (JSON.stringify, zod, the Cosmos SDK) overflows its stack on
 * hostile nesting; this never recurses, so it runs before anything that does.
 */
export const jsonTextDepth = (text: string, stopAbove: number): number => {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
};

/** The nesting depth of a parsed value (a scalar is 0), iteratively, stopping once past `stopAbove`. */
export const valueDepth = (value: unknown, stopAbove: number): number => {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    const here = depth + 1;
    if (here > max) {
      max = here;
      if (max > stopAbove) return max;
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, here]);
  }
  return max;
};

/** Past this, a body is refused before it is parsed: far beyond any event's needs, far below any stack's limit. */
export const MAX_JSON_NESTING = 128;
