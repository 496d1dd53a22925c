import type { IncomingMessage, ServerResponse } from "node:http";

export interface SimulatorEndpoint {
  method: string;
  /** Full path, e.g. `/dev/payments/charges`. */
  path: string;
  description: string;
}

/**
 * A stand-in for a third-party API (payment gateway, bank, CRM, mailbox) hosted by the dev server. It sees only
 * requests under its `basePath`, with the body already read (at most 1 MB).
 */
export interface Simulator {
  name: string;
  /** e.g. "/dev/payments"; no trailing slash. */
  basePath: string;
  /** Answers and resolves true, or resolves false to let the dev server answer 404. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean>;
  /** Forgets everything; the dev server calls it on `POST /dev/reset` and answers once every reset has resolved. */
  reset?(): void | Promise<void>;
  /** Listed by `GET /dev`. */
  endpoints?: readonly SimulatorEndpoint[];
}

/** The one helper every simulator needs. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
