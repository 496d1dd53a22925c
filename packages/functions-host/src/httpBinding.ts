import type { IncomingHttpHeaders } from "node:http";
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from "./coreTypes";

const flatten = (headers: IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
};

/** The request as the host hands it to the worker (RpcHttpData, with raw body bytes). */
export const toRpcHttpRequest = (input: {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  body: Buffer;
}): RpcHttpData => {
  const query: Record<string, string> = {};
  for (const key of new Set(input.url.searchParams.keys())) {
    // The host reads query values as StringValues, whose string form joins repeats with commas.
    query[key] = input.url.searchParams.getAll(key).join(",");
  }
  return {
    method: input.method,
    url: input.url.toString(),
    headers: flatten(input.headers),
    query,
    params: input.params,
    body: { bytes: input.body },
  };
};

/** The trigger metadata the host sends along with an HTTP invocation (the library ignores it unless streaming). */
export const httpTriggerMetadata = (rpc: RpcHttpData): Record<string, RpcTypedData> => {
  const metadata: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(rpc.query ?? {}) },
    Headers: { json: JSON.stringify(rpc.headers ?? {}) },
  };
  for (const [name, value] of Object.entries(rpc.params ?? {})) metadata[name] = { string: value };
  return metadata;
};

export const typedDataToBuffer = (data: RpcTypedData | null | undefined): Buffer => {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  if (typeof data.string === "string") return Buffer.from(data.string, "utf8");
  if (typeof data.json === "string") return Buffer.from(data.json, "utf8");
  if (typeof data.int === "number") return Buffer.from(String(data.int), "utf8");
  if (typeof data.double === "number") return Buffer.from(String(data.double), "utf8");
  return Buffer.alloc(0);
};

const cookieDate = (cookie: RpcHttpCookie): string | undefined => {
  const seconds = cookie.expires?.value?.seconds;
  if (seconds === undefined || seconds === null) return undefined;
  return new Date(Number(seconds) * 1000).toUTCString();
};

export const serializeCookie = (cookie: RpcHttpCookie): string => {
  const parts = [`${cookie.name ?? ""}=${cookie.value ?? ""}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookieDate(cookie);
  if (expires) parts.push(`Expires=${expires}`);
  if (typeof cookie.maxAge?.value === "number") parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push("Secure");
  if (cookie.httpOnly?.value) parts.push("HttpOnly");
  if (cookie.sameSite === "lax") parts.push("SameSite=Lax");
  else if (cookie.sameSite === "strict") parts.push("SameSite=Strict");
  else if (cookie.sameSite === "explicitNone") parts.push("SameSite=None");
  return parts.join("; ");
};

export interface PlainHttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * The function's RpcHttpData answer as an HTTP response. No answer at all (the handler returned nothing) is a 204,
 * as the host gives.
 */
export const fromRpcHttpResponse = (rpc: RpcHttpData | null | undefined): PlainHttpResponse => {
  if (!rpc) return { status: 204, headers: {}, body: Buffer.alloc(0) };
  const status = Number(rpc.statusCode ?? 200);
  const headers: Record<string, string | string[]> = { ...(rpc.headers ?? {}) };
  const cookies = (rpc.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  return { status: Number.isInteger(status) && status >= 100 && status <= 999 ? status : 200, headers, body: typedDataToBuffer(rpc.body) };
};
