import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson, type Simulator } from "./types";
import { canonicalJson, parseObject } from "./json";
import { memoryStore, type SimulatorStore, type Table } from "./store";

const BASE_PATH = "/dev/payments";

export interface PaymentGatewaySimulatorOptions {
  now?: () => Date;
  newId?: (prefix: "ch" | "re") => string;
  /** Where the charges, refunds and idempotency keys are kept (default: memory). */
  store?: SimulatorStore;
}

/** One charge the gateway really executed (a replayed idempotent request adds none). */
export interface ExecutedCharge {
  chargeId: string;
  idempotencyKey: string;
  token: string;
  amount: number;
  currency: string;
  reference?: string;
  status: "succeeded" | "declined";
  refundedAmount: number;
  time: string;
}

export interface ExecutedRefund {
  refundId: string;
  chargeId: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  time: string;
}

interface StoredAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
}

type Answer = { status: number; body: unknown; store: boolean };

/** What a real gateway offers for reconciliation: the charge made under an idempotency key, or those of a window. */
const searchCharges = (charges: readonly ExecutedCharge[], query: URLSearchParams): ExecutedCharge[] | string => {
  const key = query.get("idempotencyKey");
  const from = query.get("createdFrom");
  const to = query.get("createdTo");
  const fromTime = from === null ? -Infinity : Date.parse(from);
  const toTime = to === null ? Infinity : Date.parse(to);
  if (Number.isNaN(fromTime) || Number.isNaN(toTime)) return "createdFrom and createdTo must be ISO 8601 times.";
  return charges.filter((c) => {
    const time = Date.parse(c.time);
    return (key === null || c.idempotencyKey === key) && time >= fromTime && time <= toTime;
  });
};

/**
 * A card gateway in the style of Stripe, for exercising idempotent external calls. Test tokens pick the outcome:
 * `tok_visa` succeeds, `tok_decline` is declined, `tok_flaky` answers 503 on the first attempt of each idempotency key.
 * An `Idempotency-Key` is required; a repeat returns the first final answer and never charges twice.
 */
export function createPaymentGatewaySimulator(options: PaymentGatewaySimulatorOptions = {}): Simulator {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? ((prefix: string) => `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 24)}`);
  const store = options.store ?? memoryStore();
  const charges = store.table<ExecutedCharge>("payments.charges");
  const refunds = store.table<ExecutedRefund>("payments.refunds");
  const chargeAnswers = store.table<StoredAnswer>("payments.chargeAnswers");
  const refundAnswers = store.table<StoredAnswer>("payments.refundAnswers");
  // Keys whose first attempt already failed on tok_flaky, with the body they came with.
  const flaked = store.table<string>("payments.flaked");

  const reset = (): void => {
    for (const table of [charges, refunds, chargeAnswers, refundAnswers, flaked]) table.clear();
  };

  const charge = (key: string, fingerprint: string, input: Record<string, unknown>): Answer => {
    const invalid = invalidCharge(input);
    if (invalid) return { status: 400, body: { code: "invalid_request", message: invalid }, store: false };
    const { amount, currency, token } = input as { amount: number; currency: string; token: string };
    const reference = typeof input["reference"] === "string" ? input["reference"] : undefined;
    if (token === "tok_flaky" && !flaked.has(key)) {
      flaked.set(key, fingerprint);
      return {
        status: 503,
        body: { code: "gateway_unavailable", message: "The card network did not answer; retry with the same key." },
        store: false,
      };
    }
    if (token !== "tok_visa" && token !== "tok_decline" && token !== "tok_flaky") {
      return { status: 402, body: { status: "failed", code: "invalid_token", message: `Unknown token ${token}.` }, store: true };
    }
    const declined = token === "tok_decline";
    const executed: ExecutedCharge = {
      chargeId: newId("ch"),
      idempotencyKey: key,
      token,
      amount,
      currency,
      ...(reference === undefined ? {} : { reference }),
      status: declined ? "declined" : "succeeded",
      refundedAmount: 0,
      time: now().toISOString(),
    };
    charges.set(executed.chargeId, executed);
    if (declined) {
      return {
        status: 402,
        body: { status: "declined", code: "card_declined", message: "The card was declined.", chargeId: executed.chargeId },
        store: true,
      };
    }
    return {
      status: 201,
      body: { chargeId: executed.chargeId, status: "succeeded", amount, currency, ...(reference ? { reference } : {}) },
      store: true,
    };
  };

  const refund = (key: string, input: Record<string, unknown>): Answer => {
    const { chargeId, amount } = input;
    if (typeof chargeId !== "string" || chargeId === "") {
      return { status: 400, body: { code: "invalid_request", message: "chargeId must be a string." }, store: false };
    }
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0) {
      return { status: 400, body: { code: "invalid_request", message: "amount must be a positive number." }, store: false };
    }
    const original = charges.get(chargeId);
    if (!original || original.status !== "succeeded") {
      return { status: 404, body: { code: "charge_not_found", message: `No succeeded charge ${chargeId}.` }, store: true };
    }
    if (amount > original.amount - original.refundedAmount) {
      const left = original.amount - original.refundedAmount;
      return { status: 400, body: { code: "amount_too_large", message: `Only ${left} is left to refund.` }, store: true };
    }
    original.refundedAmount += amount;
    charges.set(original.chargeId, original);
    const executed: ExecutedRefund = {
      refundId: newId("re"),
      chargeId,
      idempotencyKey: key,
      amount,
      currency: original.currency,
      time: now().toISOString(),
    };
    refunds.set(executed.refundId, executed);
    return { status: 201, body: { refundId: executed.refundId, status: "succeeded", chargeId, amount }, store: true };
  };

  const idempotent = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    answers: Table<StoredAnswer>,
    run: (key: string, fingerprint: string, input: Record<string, unknown>) => Answer,
  ): void => {
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key.trim() === "" || key.length > 255) {
      sendJson(res, 400, { code: "idempotency_key_required", message: "Send an Idempotency-Key header (1-255 chars)." });
      return;
    }
    const input = parseObject(body);
    if (!input) {
      sendJson(res, 400, { code: "invalid_request", message: "The body must be a JSON object." });
      return;
    }
    const fingerprint = canonicalJson(input);
    const stored = answers.get(key);
    const seenWith = stored?.fingerprint ?? flaked.get(key);
    if (seenWith !== undefined && seenWith !== fingerprint) {
      sendJson(res, 409, {
        code: "idempotency_key_reused",
        message: "This Idempotency-Key was used with a different request body.",
      });
      return;
    }
    if (stored) {
      sendJson(res, stored.status, stored.body, { "idempotent-replayed": "true" });
      return;
    }
    const answer = run(key, fingerprint, input);
    if (answer.store) answers.set(key, { fingerprint, status: answer.status, body: answer.body });
    sendJson(res, answer.status, answer.body, answer.status === 503 ? { "retry-after": "0" } : {});
  };

  return {
    name: "payment-gateway",
    basePath: BASE_PATH,
    reset,
    endpoints: [
      { method: "POST", path: `${BASE_PATH}/charges`, description: "Charge { amount, currency, token, reference? }; Idempotency-Key required. tok_visa | tok_decline | tok_flaky" },
      { method: "POST", path: `${BASE_PATH}/refunds`, description: "Refund { chargeId, amount }; Idempotency-Key required" },
      {
        method: "GET",
        path: `${BASE_PATH}/charges`,
        description: "Charges really executed; filter with ?idempotencyKey=K or a window ?createdFrom=ISO&createdTo=ISO",
      },
      { method: "GET", path: `${BASE_PATH}/charges/{chargeId}`, description: "One executed charge" },
      { method: "GET", path: `${BASE_PATH}/refunds`, description: "Refunds really executed" },
      { method: "POST", path: `${BASE_PATH}/reset`, description: "Forget everything" },
    ],
    handle: async (req, res, url, body) => {
      const path = url.pathname.slice(BASE_PATH.length).replace(/\/+$/, "");
      const method = req.method ?? "GET";
      if (path === "/charges" && method === "POST") idempotent(req, res, body, chargeAnswers, charge);
      else if (path === "/refunds" && method === "POST")
        idempotent(req, res, body, refundAnswers, (key, _fingerprint, input) => refund(key, input));
      else if (path === "/charges" && method === "GET") {
        const filtered = searchCharges([...charges.values()], url.searchParams);
        if (typeof filtered === "string") sendJson(res, 400, { code: "invalid_request", message: filtered });
        else sendJson(res, 200, filtered);
      }
      else if (path === "/refunds" && method === "GET") sendJson(res, 200, [...refunds.values()]);
      else if (path === "/reset" && method === "POST") {
        reset();
        sendJson(res, 200, { reset: true });
      } else if (path.startsWith("/charges/") && method === "GET") {
        const found = charges.get(decodeURIComponent(path.slice("/charges/".length)));
        if (found) sendJson(res, 200, found);
        else sendJson(res, 404, { code: "charge_not_found", message: "No such charge." });
      } else if (["/charges", "/refunds", "/reset"].includes(path)) {
        sendJson(res, 405, { code: "method_not_allowed", message: `${method} is not allowed on ${url.pathname}.` });
      } else return false;
      return true;
    },
  };
}

function invalidCharge(input: Record<string, unknown>): string | undefined {
  const { amount, currency, token, reference } = input;
  if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0) return "amount must be a positive number.";
  if (typeof currency !== "string" || !/^[A-Za-z]{3}$/.test(currency)) return "currency must be a 3-letter ISO code.";
  if (typeof token !== "string" || token === "") return "token must be a non-empty string.";
  if (reference !== undefined && typeof reference !== "string") return "reference must be a string.";
  return undefined;
}
