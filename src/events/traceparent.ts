// No zod here: the local Functions host reads traceparents too, and loads nothing the app package should bring.

/** W3C Trace Context `traceparent`: version, trace id, parent (span) id, flags, lower-case hex. */
export const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface TraceparentFields {
  readonly version: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly flags: number;
}

/** The fields of a well-formed traceparent; `undefined` for anything else (absent, wrong type, malformed). */
export const traceparentFields = (value: unknown): TraceparentFields | undefined => {
  if (typeof value !== "string" || !traceparentPattern.test(value)) return undefined;
  const [version, traceId, spanId, flags] = value.split("-") as [string, string, string, string];
  return { version, traceId, spanId, flags: parseInt(flags, 16) };
};
