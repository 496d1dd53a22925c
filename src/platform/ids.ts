import { createHash, randomBytes, randomUUID } from "node:crypto";

/** A UUID-shaped id derived from its inputs: the same cause always yields the same id (idempotent outbox). */
export const deterministicId = (...parts: readonly string[]): string => {
  const h = createHash("sha256").update(parts.join("\u001f")).digest("hex");
  // Version 8 (custom) UUID layout, so tools that check the version nibble accept it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export const newTraceId = (): string => randomBytes(16).toString("hex");

/** W3C traceparent: a new span in the trace of `parent` (or a new trace), with a span id derived from `seed`. */
export const childTraceparent = (parent: string | undefined, seed: string): string => {
  const traceId = parent?.split("-")[1] ?? createHash("sha256").update(`trace:${seed}`).digest("hex").slice(0, 32);
  const spanId = createHash("sha256").update(`span:${seed}`).digest("hex").slice(0, 16);
  return `00-${traceId}-${spanId}-01`;
};

export interface IdGenerator {
  newId(): string;
}
export const randomIds: IdGenerator = { newId: () => randomUUID() };
