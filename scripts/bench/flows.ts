import type { z } from "zod";
import { apiReplies, parseReply } from "../../dev/apiReplies";
import type { LocalStack } from "../../dev/stack";
import { requestText } from "./loadClient";
import type { StoreObserver } from "./storeObserver";
import type { FlowName } from "../../src/flows";

/**
 * Starts flows over the public HTTP API and resolves when the store writes the flow's user-visible end state (the
 * order Confirmed with its invoice; the user Onboarded), as the observer sees it: no polling adds load or store reads.
 */
export interface FlowDriver {
  readonly name: FlowName;
  /** One flow, start to end state, for closed-loop worker `worker`; resolves with its latency in ms. */
  run(worker: number): Promise<number>;
  /** Correlation ids of the most recent flows this driver finished (at most 20,000), for the flow-read steps. */
  readonly finished: readonly string[];
  close(): void;
}

/**
 * The ids one flow was started with or answered (its order, user, wallet, correlation id, the SKU it ordered), by
 * name: the capacity count tells a partition key that is one flow's entity from a constant one by them.
 */
export type FlowIds = Readonly<Record<string, string>>;

const MAX_REMEMBERED = 20_000;
const remember = (list: string[], id: string) => {
  list.push(id);
  if (list.length > MAX_REMEMBERED) list.splice(0, list.length - MAX_REMEMBERED);
};

const FLOW_TIMEOUT_MS = 60_000;
export const SKUS = 64;

/** The n-th SKU of the bench's catalogue. */
export const skuOf = (n: number) => `BENCH-${n % SKUS}`;

/** Stock for every SKU of the catalogue, so concurrent orders do not all contend for one stock document's ETag. */
export const seedStock = async (stack: LocalStack): Promise<void> => {
  for (let i = 0; i < SKUS; i++) {
    const response = await fetch(`${stack.functionsUrls.inventory}/api/inventory/${skuOf(i)}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ available: 10_000_000 }),
    });
    if (!response.ok) throw new Error(`seeding stock answered ${response.status}: ${await response.text()}`);
  }
};

/** Closures over one observer subscription, safe to pass around on their own. */
interface Completion {
  readonly wait: (key: string) => Promise<void>;
  readonly close: () => void;
}

/** Resolves waiters by key when a write answer holds the end-state document; tolerates an end seen before the wait. */
const completions = (
  observer: StoreObserver,
  container: string,
  marker: string,
  keyOf: (doc: Record<string, unknown>) => string | undefined,
): Completion => {
  const waiters = new Map<string, () => void>();
  const early = new Set<string>();
  const stop = observer.onWrite(({ container: c, text }) => {
    if (c !== container || !text.includes(marker)) return;
    const parsed = JSON.parse(text) as unknown;
    const docs = Array.isArray(parsed) ? parsed.map((r: { resourceBody?: unknown }) => r.resourceBody) : [parsed];
    for (const doc of docs) {
      if (typeof doc !== "object" || doc === null) continue;
      const key = keyOf(doc as Record<string, unknown>);
      if (key === undefined) continue;
      const waiter = waiters.get(key);
      if (waiter) {
        waiters.delete(key);
        waiter();
      } else early.add(key);
    }
  });
  return {
    wait: (key) => {
      if (early.delete(key)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(key);
          reject(new Error(`flow ${key} did not end within ${FLOW_TIMEOUT_MS} ms`));
        }, FLOW_TIMEOUT_MS);
        waiters.set(key, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close: stop,
  };
};

const postJson = async <T>(url: string, body: unknown, schema: z.ZodType<T>): Promise<T> => {
  const { status, text } = await requestText("POST", url, body);
  if (status < 200 || status >= 300) throw new Error(`POST ${url} answered ${status}: ${text.slice(0, 200)}`);
  return parseReply(schema, JSON.parse(text), `POST ${url}`);
};

/** One reference per key, asked for once: a customer registers a card, a wallet a bank account, and reuses it. */
const onceEach = (register: (key: string) => Promise<string>) => {
  const known = new Map<string, Promise<string>>();
  return (key: string): Promise<string> => {
    let reference = known.get(key);
    if (!reference) known.set(key, (reference = register(key)));
    return reference;
  };
};

export const orderFlow = (stack: LocalStack, observer: StoreObserver, onStarted?: (ids: FlowIds) => void): FlowDriver => {
  const cardOf = onceEach(async (customerId) =>
    (await postJson(`${stack.functionsUrls.payments}/api/payment-methods`, { customerId, paymentToken: "tok_visa" }, apiReplies.paymentMethod)).paymentMethodId,
  );
  const done = completions(observer, "orders", '"status":"Confirmed"', (doc) =>
    doc["kind"] === "order" && doc["status"] === "Confirmed" && doc["invoice"] ? String(doc["orderId"]) : undefined,
  );
  const finished: string[] = [];
  let ordersPlaced = 0;
  return {
    name: "order",
    finished,
    run: async (worker) => {
      const customerId = `bench-${worker}`;
      const paymentMethodId = await cardOf(customerId); // once per customer, before the clock starts
      const started = performance.now();
      // Each order takes the next SKU, as a catalogue spreads a shop's orders: no SKU is every flow's (the capacity
      // count would read it as a constant key), and concurrent orders rarely share one.
      const sku = skuOf(ordersPlaced++);
      const { orderId, correlationId } = await postJson(`${stack.functionsUrls.orders}/api/orders`, {
        customerId,
        items: [{ sku, quantity: 1, unitPrice: 12.5 }],
        currency: "EUR",
        paymentMethodId,
      }, apiReplies.orderAccepted);
      onStarted?.({ orderId, correlationId, customerId, sku });
      await done.wait(orderId);
      remember(finished, correlationId);
      return performance.now() - started;
    },
    close: done.close,
  };
};

export const onboardingFlow = (stack: LocalStack, observer: StoreObserver, onStarted?: (ids: FlowIds) => void): FlowDriver => {
  const done = completions(observer, "users", '"status":"Onboarded"', (doc) =>
    doc["kind"] === "user" && doc["status"] === "Onboarded" ? String(doc["userId"]) : undefined,
  );
  let n = 0;
  const run = `${Date.now().toString(36)}`;
  const finished: string[] = [];
  return {
    name: "onboarding",
    finished,
    run: async () => {
      const started = performance.now();
      const { userId, correlationId } = await postJson(`${stack.functionsUrls.users}/api/users`, { email: `bench-${run}-${n++}@example.com`, name: "Bench User" }, apiReplies.userAccepted);
      onStarted?.({ userId, correlationId });
      await done.wait(userId);
      remember(finished, correlationId);
      return performance.now() - started;
    },
    close: done.close,
  };
};

/**
 * Wallets to top up: `count` users signed up through the onboarding flow (a user's wallet id is their user id, opened
 * by the ledger when the user signs up), then a wait until Event Grid has delivered everything, so every wallet exists.
 */
export const seedWallets = async (stack: LocalStack, observer: StoreObserver, count: number): Promise<string[]> => {
  const wallets: string[] = [];
  const signUp = onboardingFlow(stack, observer, ({ userId }) => {
    if (userId) wallets.push(userId);
  });
  try {
    for (let i = 0; i < count; i += 4) await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, w) => signUp.run(w)));
  } finally {
    signUp.close();
  }
  await stack.eventGrid.idle(60_000);
  return wallets;
};

/**
 * Tops up `wallets[worker % wallets.length]` with a bank that pays, and resolves when the notifications service writes
 * the user's notification of it (the flow's outcome, `Notifications.UserNotified.v1`).
 */
export const topUpFlow = (stack: LocalStack, observer: StoreObserver, wallets: readonly string[], onStarted?: (ids: FlowIds) => void): FlowDriver => {
  if (wallets.length === 0) throw new Error("topUpFlow needs at least one wallet (seedWallets)");
  const done = completions(observer, "notifications", '"kind":"notification"', (doc) =>
    doc["kind"] === "notification" && typeof doc["topUpId"] === "string" ? doc["topUpId"] : undefined,
  );
  const bankAccountOf = onceEach(async (walletId) =>
    (await postJson(`${stack.functionsUrls.banking}/api/funding-sources`, { walletId, bankToken: "bank_ok" }, apiReplies.fundingSource)).fundingSourceId,
  );
  const finished: string[] = [];
  return {
    name: "topUp",
    finished,
    run: async (worker) => {
      const walletId = wallets[worker % wallets.length]!;
      const fundingSourceId = await bankAccountOf(walletId); // once per wallet, before the clock starts
      const started = performance.now();
      const { topUpId, correlationId } = await postJson(
        `${stack.functionsUrls.ledger}/api/wallets/${encodeURIComponent(walletId)}/top-ups`,
        { amount: 10, currency: "EUR", fundingSourceId },
        apiReplies.topUpAccepted,
      );
      onStarted?.({ walletId, topUpId, correlationId });
      await done.wait(topUpId);
      remember(finished, correlationId);
      return performance.now() - started;
    },
    close: done.close,
  };
};
