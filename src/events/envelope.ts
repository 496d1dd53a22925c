import { z } from "zod";
import { traceparentPattern } from "./traceparent";

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
