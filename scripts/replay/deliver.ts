import { CloudEventEnvelope } from "../../src/events/envelope";

/** Delivers one event to one function as Event Grid's push delivery does, and only to it. */
export type DeliverToFunction = (event: CloudEventEnvelope) => Promise<void>;

export class DeliveryError extends Error {}

const ATTEMPTS = 3;

/**
 * The function's Event Grid webhook on its host (`/runtime/webhooks/eventgrid?functionName=…`, with the host's
 * `eventgrid_extension` system key in Azure): the same door Event Grid uses, so the function runs exactly as for a
 * live delivery, and no other subscriber of the topic sees anything. 2xx is delivered; 5xx and network errors are tried
 * again (3 attempts, 1 s apart, as a short Event Grid retry); anything else fails the event.
 */
export const webhookDelivery = (hostUrl: string, functionName: string, systemKey?: string): DeliverToFunction => {
  const url = `${hostUrl.replace(/\/$/, "")}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(functionName)}${systemKey ? `&code=${encodeURIComponent(systemKey)}` : ""}`;
  return async (event) => {
    let last = "";
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/cloudevents+json; charset=utf-8", "aeg-event-type": "Notification" },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(30_000),
        });
        if (response.ok) return;
        last = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
        if (response.status < 500) break;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new DeliveryError(`${functionName} refused ${event.type} ${event.id}: ${last}`);
  };
};
