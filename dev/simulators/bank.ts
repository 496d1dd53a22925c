import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson, type Simulator } from "./types";
import { canonicalJson, parseObject } from "./json";
import { memoryStore, type SimulatorStore } from "./store";

const BASE_PATH = "/dev/bank";

export interface BankSimulatorOptions {
  now?: () => Date;
  newId?: () => string;
  /**
   * How late `bank_slow` answers its first attempt. Must exceed the banking adapter's `BANK_API_TIMEOUT_MS`
   * (1000 on the local stack) so the adapter times out while the bank has already executed the payment.
   */
  slowResponseInMs?: number;
  /** Where the payments and idempotency keys are kept (default: memory). */
  store?: SimulatorStore;
}

/** One payment the bank really executed (a replayed idempotent request adds none). */
export interface BankPayment {
  paymentId: string;
  idempotencyKey: string;
  bankToken: string;
  amount: number;
  currency: string;
  reference?: string;
  status: "succeeded" | "declined";
  /** Requests that carried this payment's idempotency key, the first included. */
  attempts: number;
  time: string;
}

interface StoredAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
  paymentId?: string;
}

/**
 * A bank's payments API, for exercising slow and flaky outside calls. Tokens pick the outcome: `bank_ok` succeeds,
 * `bank_decline` is declined, `bank_flaky` answers 503 on the first attempt per idempotency key (nothing executed),
 * `bank_slow` executes at once but answers its first attempt only after `slowResponseInMs`. An `Idempotency-Key` is
 * required; a repeated key returns the first answer and never pays twice.
 */
export function createBankSimulator(options: BankSimulatorOptions = {}): Simulator {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? (() => `bp_${randomUUID().replace(/-/g, "").slice(0, 24)}`);
  const slowResponseInMs = options.slowResponseInMs ?? 1500;
  const store = options.store ?? memoryStore();
  const payments = store.table<BankPayment>("bank.payments");
  const answers = store.table<StoredAnswer>("bank.answers");
  // Keys whose first attempt flaked, with the body they came with.
  const flaked = store.table<string>("bank.flaked");

  const reset = (): void => {
    for (const table of [payments, answers, flaked]) table.clear();
  };

  const pay = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key.trim() === "" || key.length > 255) {
      sendJson(res, 400, { code: "idempotency_key_required", message: "Send an Idempotency-Key header (1-255 chars)." });
      return;
    }
    const input = parseObject(body);
    const invalid = input ? invalidPayment(input) : "The body must be a JSON object.";
    if (!input || invalid) {
      sendJson(res, 400, { code: "invalid_request", message: invalid });
      return;
    }
    const fingerprint = canonicalJson(input);
    const stored = answers.get(key);
    const seenWith = stored?.fingerprint ?? flaked.get(key);
    if (seenWith !== undefined && seenWith !== fingerprint) {
      sendJson(res, 422, { code: "idempotency_key_reused", message: "This Idempotency-Key was used with a different request body." });
      return;
    }
    if (stored) {
      const payment = stored.paymentId === undefined ? undefined : payments.get(stored.paymentId);
      if (payment) payments.set(payment.paymentId, { ...payment, attempts: payment.attempts + 1 });
      sendJson(res, stored.status, stored.body, { "idempotent-replayed": "true" });
      return;
    }
    const { amount, currency, bankToken } = input as { amount: number; currency: string; bankToken: string };
    const reference = typeof input["reference"] === "string" ? input["reference"] : undefined;
    if (bankToken === "bank_flaky" && !flaked.has(key)) {
      flaked.set(key, fingerprint);
      sendJson(res, 503, { code: "bank_unavailable", message: "The bank did not answer; retry with the same key." }, { "retry-after": "0" });
      return;
    }
    if (!["bank_ok", "bank_decline", "bank_flaky", "bank_slow"].includes(bankToken)) {
      const answer = { status: 402, body: { status: "declined", code: "invalid_token", message: `Unknown bank token ${bankToken}.` } };
      answers.set(key, { fingerprint, ...answer });
      sendJson(res, answer.status, answer.body);
      return;
    }
    const declined = bankToken === "bank_decline";
    const payment: BankPayment = {
      paymentId: newId(),
      idempotencyKey: key,
      bankToken,
      amount,
      currency,
      ...(reference === undefined ? {} : { reference }),
      status: declined ? "declined" : "succeeded",
      attempts: 1,
      time: now().toISOString(),
    };
    payments.set(payment.paymentId, payment);
    const answer = declined
      ? { status: 402, body: { status: "declined", code: "insufficient_funds", message: "Insufficient funds.", paymentId: payment.paymentId } }
      : { status: 201, body: { paymentId: payment.paymentId, status: "succeeded", amount, currency, ...(reference ? { reference } : {}) } };
    // Stored before a slow answer goes out: the bank has executed the payment even if the caller gives up waiting.
    answers.set(key, { fingerprint, ...answer, paymentId: payment.paymentId });
    if (bankToken === "bank_slow") await delay(slowResponseInMs);
    if (!res.destroyed && !res.writableEnded) sendJson(res, answer.status, answer.body);
  };

  return {
    name: "bank",
    basePath: BASE_PATH,
    reset,
    endpoints: [
      {
        method: "POST",
        path: `${BASE_PATH}/payments`,
        description: "Pay { amount, currency, bankToken, reference? }; Idempotency-Key required. bank_ok | bank_decline | bank_flaky | bank_slow",
      },
      {
        method: "GET",
        path: `${BASE_PATH}/payments`,
        description: "Payments really executed (declines included), with attempts per key; ?idempotencyKey=K finds one",
      },
      { method: "GET", path: `${BASE_PATH}/payments/{paymentId}`, description: "One executed payment" },
      { method: "POST", path: `${BASE_PATH}/reset`, description: "Forget everything" },
    ],
    handle: async (req, res, url, body) => {
      const path = url.pathname.slice(BASE_PATH.length).replace(/\/+$/, "");
      const method = req.method ?? "GET";
      if (path === "/payments" && method === "POST") await pay(req, res, body);
      else if (path === "/payments" && method === "GET") {
        // What a bank offers for reconciliation: the payment made under an idempotency key.
        const key = url.searchParams.get("idempotencyKey");
        const all = [...payments.values()];
        sendJson(res, 200, key === null ? all : all.filter((p) => p.idempotencyKey === key));
      }
      else if (path === "/reset" && method === "POST") {
        reset();
        sendJson(res, 200, { reset: true });
      } else if (path.startsWith("/payments/") && method === "GET") {
        const found = payments.get(decodeURIComponent(path.slice("/payments/".length)));
        if (found) sendJson(res, 200, found);
        else sendJson(res, 404, { code: "payment_not_found", message: "No such payment." });
      } else if (["/payments", "/reset"].includes(path)) {
        sendJson(res, 405, { code: "method_not_allowed", message: `${method} is not allowed on ${url.pathname}.` });
      } else return false;
      return true;
    },
  };
}

/** Unref'd, so a slow answer pending when the dev server closes never keeps the process alive. */
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

function invalidPayment(input: Record<string, unknown>): string | undefined {
  const { amount, currency, bankToken, reference } = input;
  if (typeof amount !== "number" || !Number.isFinite(amount) || amount <= 0) return "amount must be a positive number.";
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) return "currency must be a 3-letter ISO code.";
  if (typeof bankToken !== "string" || bankToken === "" || bankToken.length > 100) return "bankToken must be a 1-100 character string.";
  if (reference !== undefined && typeof reference !== "string") return "reference must be a string.";
  return undefined;
}
