import { z } from "zod";

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

/**
 * CloudEvents 1.0 envelope as it travels through Event Grid, with the three extensions every event carries:
 * `correlationid` (the business flow), `causationid` (the event that caused this one) and `traceparent` (W3C).
 * Extension names are lower-case alphanumerics, as the CloudEvents spec requires.
 */
export const cloudEventEnvelopeSchema = z.object({
  specversion: z.literal("1.0"),
  id: z.string().min(1).max(200),
  source: z.string().min(1).max(500),
  type: z.string().min(1).max(200),
  subject: z.string().max(500).optional(),
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.string().optional(),
  correlationid: z.string().min(1).max(200),
  causationid: z.string().min(1).max(200).optional(),
  traceparent: z
    .string()
    .regex(traceparentPattern, "must be a W3C traceparent")
    .optional(),
  data: z.unknown(),
});

export type CloudEventEnvelope = z.infer<typeof cloudEventEnvelopeSchema>;

/** A parsed event: the envelope with `type` and `data` narrowed by the catalog's schema for that type. */
export type DomainEvent<TType extends string = string, TData = unknown> = Omit<CloudEventEnvelope, "type" | "data"> & {
  type: TType;
  data: TData;
};
