import * as http from "node:http";
import * as https from "node:https";
import { outcomeForStatus, type AttemptResult } from "./retryPolicy";
import type { EmulatorCloudEvent } from "./types";

export interface WebhookRequest {
  endpointUrl: string;
  /** One object per request unless `batch`: then a JSON array (CloudEvents batch mode) of all of them. */
  events: readonly EmulatorCloudEvent[];
  batch: boolean;
  subscriptionName: string;
  /** 0 on the first attempt, as Event Grid's `aeg-delivery-count`. */
  deliveryCount: number;
  timeoutInMs: number;
  signal: AbortSignal;
  agents: { http: http.Agent; https: https.Agent };
}

const MAX_ERROR_TEXT = 500;

/**
 * POSTs CloudEvents the way Event Grid delivers to a webhook with the CloudEvents schema: with the default batch size
 * of 1 in structured content mode, one object per request; with batching on, in batched content mode, one JSON array.
 * Never throws: every ending becomes an `AttemptResult`.
 */
export function postToWebhook(request: WebhookRequest): Promise<AttemptResult> {
  const body = Buffer.from(JSON.stringify(request.batch ? request.events : request.events[0]), "utf8");
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener("abort", onAbort);
      resolve(result);
    };
    let url: URL;
    try {
      url = new URL(request.endpointUrl);
    } catch {
      resolve({ outcome: "GenericError", errorMessage: `Invalid endpoint URL: ${request.endpointUrl}` });
      return;
    }
    const isHttps = url.protocol === "https:";
    const req = (isHttps ? https : http).request(url, {
      method: "POST",
      agent: isHttps ? request.agents.https : request.agents.http,
      headers: {
        "content-type": request.batch ? "application/cloudevents-batch+json; charset=utf-8" : "application/cloudevents+json; charset=utf-8",
        "content-length": body.length,
        "aeg-event-type": "Notification",
        "aeg-subscription-name": request.subscriptionName.toUpperCase(),
        "aeg-delivery-count": String(request.deliveryCount),
        "aeg-metadata-version": "1",
      },
    });
    const timer = setTimeout(() => {
      finish({ outcome: "TimedOut", errorMessage: `No answer within ${request.timeoutInMs} ms.` });
      req.destroy();
    }, request.timeoutInMs);
    timer.unref();
    const onAbort = (): void => {
      finish({ outcome: "Aborted", errorMessage: "The emulator closed during the delivery." });
      req.destroy();
    };
    if (request.signal.aborted) {
      onAbort();
      return;
    }
    request.signal.addEventListener("abort", onAbort, { once: true });
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (chunk: Buffer) => {
        // Keep only the start of the body: it is for the dead-letter's error message, and a receiver may answer big.
        if (kept < MAX_ERROR_TEXT) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      res.on("end", () => {
        const outcome = outcomeForStatus(status);
        const text = Buffer.concat(chunks).toString("utf8").slice(0, MAX_ERROR_TEXT);
        finish(
          outcome === "Succeeded"
            ? { outcome, httpStatusCode: status }
            : { outcome, httpStatusCode: status, errorMessage: text || `HTTP ${status}` },
        );
      });
      res.on("error", (error) => finish({ outcome: "GenericError", httpStatusCode: status, errorMessage: error.message }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      const cannotConnect = error.code === "ECONNREFUSED" || error.code === "ENOTFOUND" || error.code === "EHOSTUNREACH";
      finish({ outcome: cannotConnect ? "CannotConnect" : "GenericError", errorMessage: error.message });
    });
    req.end(body);
  });
}
