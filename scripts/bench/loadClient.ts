import * as http from "node:http";

/**
 * The load generator's HTTP client: `http.request` on a keep-alive agent. Node 20's global `fetch` (undici) costs
 * several times the CPU per request (docs/benchmark.md, "The publisher decision"), and the load generator shares the
 * bench's process, and the machine's cores, with the store and the Event Grid emulator it is measuring.
 */
const agent = new http.Agent({ keepAlive: true });

export const requestText = (method: "GET" | "POST" | "PUT", url: string, body?: unknown): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      url,
      { method, agent, headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
