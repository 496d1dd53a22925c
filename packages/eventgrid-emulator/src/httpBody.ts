import type { IncomingMessage } from "node:http";

export type BodyRead = { kind: "ok"; body: Buffer } | { kind: "tooLarge"; bytes: number };

// Past this the sender is abusive, not mistaken: stop draining and drop the connection.
const DRAIN_LIMIT_FACTOR = 16;

/**
 * Reads a request body, keeping at most `maxBytes`. A larger body is still drained (up to a hard bound) so the
 * client reads the 413 instead of a reset connection.
 */
export function readBodyCapped(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise<BodyRead>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) {
        chunks.push(chunk);
      } else if (bytes > maxBytes * DRAIN_LIMIT_FACTOR) {
        req.destroy();
        resolve({ kind: "tooLarge", bytes });
      }
    });
    req.on("end", () => resolve(bytes > maxBytes ? { kind: "tooLarge", bytes } : { kind: "ok", body: Buffer.concat(chunks) }));
    req.on("error", reject);
  });
}
