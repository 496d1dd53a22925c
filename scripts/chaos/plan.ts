import { createHash } from "node:crypto";
import { seededRandom } from "@azure-choreography/server-kit";
import type { ServiceName } from "../../src/topology";
import { crashableCalls } from "../../dev/admin/callCrashInjector";

export interface ChaosOptions {
  /** Business flows to start: about half orders, a quarter sign-ups, a quarter top-ups. */
  readonly flows: number;
  /** How long each killed host stays down. */
  readonly outageMs: number;
  /** Host kills, spread over the run, cycling through `killServices`. */
  readonly kills: number;
  readonly killServices: readonly ServiceName[];
  readonly seed: number;
  /** Event Grid's retry schedule × this (0.1: first retry after 1 s instead of 10 s). */
  readonly retryScale: number;
  /** Rounds of re-publishing already delivered events during the run; one more runs after quiescence. */
  readonly duplicateRounds: number;
  /** Share of accepted flows whose journaled events each duplicate round publishes again. */
  readonly duplicateShare: number;
  /** Times the CRM goes down (for half an outage) during the run. */
  readonly crmOutages: number;
  /** HTTP commands in flight at once, as that many impatient clients. */
  readonly concurrency: number;
  /** Bound on waiting for quiescence after the chaos window. */
  readonly quiescenceTimeoutMs: number;
  /** Two services killed together (a bad deploy of both), for this long while orders keep coming; 0 skips it. */
  readonly pairOutageMs: number;
  readonly pairServices: readonly [ServiceName, ServiceName];
  /** The store answering 503 for a share and 429 for another share of its document requests, for this long. */
  readonly brownoutMs: number;
  /** The orders topic's publish endpoint down for this long. */
  readonly publishOutageMs: number;
  /** The whole stack SIGKILLed (store, broker, simulators, hosts), then started again on its data after this long; 0 skips it. */
  readonly stackDownMs: number;
}

export const EVENT_GRID_FIRST_RETRY_MS = 10_000;

export const defaultChaosOptions: ChaosOptions = {
  flows: 300,
  outageMs: 15_000,
  kills: 5,
  killServices: ["payments", "inventory", "orders", "ledger", "journal"],
  seed: 1,
  retryScale: 0.1,
  duplicateRounds: 3,
  duplicateShare: 0.1,
  crmOutages: 2,
  concurrency: 16,
  quiescenceTimeoutMs: 240_000,
  pairOutageMs: 30_000,
  pairServices: ["payments", "inventory"],
  brownoutMs: 10_000,
  publishOutageMs: 5_000,
  stackDownMs: 2_000,
};

/** `--short`: what `npm test` runs: fewer flows, one kill of payments for a few seconds, a small retry scale. */
export const shortChaosOptions: ChaosOptions = {
  ...defaultChaosOptions,
  // 80, not 40: with 40, about one run in six placed too few orders during the outage to hit a bad interleaving.
  // Measured on 2 cores: 40 flows ~45 s, 80 flows ~40-46 s (start-up and quiescence dominate).
  flows: 80,
  outageMs: 3_000,
  // Inventory first (a timed kill lands while orders are still being placed), then payments mid-charge: each has a
  // cancellation that can overtake its OrderPlaced.
  kills: 2,
  killServices: ["inventory", "payments"],
  // 0.01: Event Grid's schedule at 1 % (first retry 100 ms, the 7th 36 s, the 8th 108 s): a delivery that failed
  // through several outages in a row still comes back within the quiescence bound.
  retryScale: 0.01,
  duplicateRounds: 1,
  // Few flows: a larger share, so each round really publishes something again.
  duplicateShare: 0.3,
  crmOutages: 1,
  quiescenceTimeoutMs: 120_000,
  // Each still many times Event Grid's first retry at this scale (100 ms).
  pairOutageMs: 3_000,
  brownoutMs: 2_000,
  publishOutageMs: 1_500,
  stackDownMs: 500,
};

export const paymentTokens = ["tok_visa", "tok_decline", "tok_flaky"] as const;
export const bankTokens = ["bank_ok", "bank_decline", "bank_flaky", "bank_slow"] as const;

export interface PlannedOrder {
  readonly kind: "order";
  readonly index: number;
  readonly idempotencyKey: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly unitPrice: number }[];
  readonly paymentToken: (typeof paymentTokens)[number];
  readonly customerId: string;
}

export interface PlannedSignUp {
  readonly kind: "signUp";
  readonly index: number;
  readonly email: string;
  readonly name: string;
}

export interface PlannedTopUp {
  readonly kind: "topUp";
  readonly index: number;
  readonly idempotencyKey: string;
  /** Index of the sign-up whose wallet it tops up; it starts only after that user's wallet exists. */
  readonly signUp: number;
  readonly amount: number;
  readonly bankToken: (typeof bankTokens)[number];
}

export type PlannedFlow = (PlannedOrder | PlannedSignUp | PlannedTopUp) & { readonly startAtMs: number };

export interface PlannedFault {
  readonly atMs: number;
  readonly action:
    /** `duringCall`: the host dies in its next call to an outside system that moves money, after that system acted. */
    | { readonly kind: "kill"; readonly service: ServiceName; readonly downForMs: number; readonly duringCall: boolean }
    | { readonly kind: "duplicate"; readonly round: number }
    | { readonly kind: "crm"; readonly down: boolean }
    /** Both hosts killed at once and kept down together. */
    | { readonly kind: "pairOutage"; readonly services: readonly [ServiceName, ServiceName]; readonly downForMs: number }
    | { readonly kind: "storeBrownout"; readonly unavailableShare: number; readonly throttledShare: number; readonly forMs: number }
    | { readonly kind: "publishOutage"; readonly topic: string; readonly downForMs: number }
    | { readonly kind: "stackKill"; readonly downForMs: number };
}

export interface ChaosPlan {
  readonly options: ChaosOptions;
  readonly stock: Readonly<Record<string, number>>;
  readonly flows: readonly PlannedFlow[];
  readonly faults: readonly PlannedFault[];
  /** From the first flow to the end of the last outage. */
  readonly windowMs: number;
  /** Same seed and options, same digest: the plan is deterministic, the interleaving on the machine is not. */
  readonly digest: string;
}

const UNIT_PRICES = [0.1, 4.99, 7.25, 12.5, 19.99, 33.33];
const TOP_UP_AMOUNTS = [5, 10, 25.5, 100, 0.01];

export const buildChaosPlan = (options: ChaosOptions): ChaosPlan => {
  const random = seededRandom(options.seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(values: readonly T[], weights?: readonly number[]): T => {
    if (!weights) return values[int(0, values.length - 1)]!;
    let r = random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < values.length; i++) if ((r -= weights[i]!) < 0) return values[i]!;
    return values[values.length - 1]!;
  };

  const orders = Math.round(options.flows * 0.5);
  const signUps = options.flows - orders > 0 ? Math.max(1, Math.round(options.flows * 0.25)) : 0;
  const topUps = Math.max(0, options.flows - orders - signUps);

  // About ten orders per SKU asking for two units each against six to twelve units: stock runs out for many of them.
  const skus = Array.from({ length: Math.max(2, Math.ceil(orders / 10)) }, (_, i) => `CHAOS-S${options.seed}-${i}`);
  const stock = Object.fromEntries(skus.map((sku) => [sku, int(6, 12)]));

  const tag = `s${options.seed}`;
  const unordered: (PlannedOrder | PlannedSignUp | PlannedTopUp)[] = [];
  for (let i = 0; i < orders; i++) {
    const lines = random() < 0.8 ? 1 : 2;
    const chosen = new Set<string>();
    while (chosen.size < lines) chosen.add(pick(skus));
    unordered.push({
      kind: "order",
      index: i,
      idempotencyKey: `chaos-${tag}-order-${i}`,
      items: [...chosen].map((sku) => ({ sku, quantity: int(1, 3), unitPrice: pick(UNIT_PRICES) })),
      paymentToken: pick(paymentTokens, [6, 2, 2]),
      customerId: `chaos-customer-${i % 20}`,
    });
  }
  for (let i = 0; i < signUps; i++) unordered.push({ kind: "signUp", index: i, email: `chaos-${tag}-user-${i}@example.com`, name: `Chaos User ${i}` });
  for (let i = 0; i < topUps; i++) {
    unordered.push({
      kind: "topUp",
      index: i,
      idempotencyKey: `chaos-${tag}-topup-${i}`,
      signUp: int(0, signUps - 1),
      amount: pick(TOP_UP_AMOUNTS),
      bankToken: pick(bankTokens, [4, 2, 2, 2]),
    });
  }
  // Fisher–Yates with the seeded generator, so the mix of kinds over time is the same for a seed.
  for (let i = unordered.length - 1; i > 0; i--) {
    const j = int(0, i);
    [unordered[i], unordered[j]] = [unordered[j]!, unordered[i]!];
  }

  // Outages overlap a little (each starts at 0.8 of the previous one's length) so two services are sometimes down at once.
  const firstKillAtMs = 2_000;
  const spacingMs = Math.round(options.outageMs * 0.8);
  const singlesEndMs = options.kills > 0 ? firstKillAtMs + (options.kills - 1) * spacingMs + options.outageMs : Math.max(5_000, options.flows * 100);
  // Then the faults underneath, one after the other, with flows still coming: two services down together, the store
  // browning out, the orders topic refusing publishes, and the whole stack killed and started again on its data.
  const gapMs = 1_000;
  const pairAtMs = singlesEndMs;
  const brownoutAtMs = pairAtMs + (options.pairOutageMs > 0 ? options.pairOutageMs + gapMs : 0);
  const publishAtMs = brownoutAtMs + (options.brownoutMs > 0 ? options.brownoutMs + gapMs : 0);
  const stackKillAtMs = publishAtMs + (options.publishOutageMs > 0 ? options.publishOutageMs + gapMs : 0);
  const windowMs = stackKillAtMs + (options.stackDownMs > 0 ? options.stackDownMs + 2 * gapMs : 0);
  const flows = unordered.map((flow, i) => ({ ...flow, startAtMs: Math.round((i / Math.max(1, unordered.length)) * windowMs * 0.9) }));

  const faults: PlannedFault[] = [];
  for (let k = 0; k < options.kills; k++) {
    const service = options.killServices[k % options.killServices.length]!;
    const duringCall = crashableCalls.some((c) => c.service === service);
    faults.push({ atMs: firstKillAtMs + k * spacingMs, action: { kind: "kill", service, downForMs: options.outageMs, duringCall } });
  }
  if (options.pairOutageMs > 0) faults.push({ atMs: pairAtMs, action: { kind: "pairOutage", services: options.pairServices, downForMs: options.pairOutageMs } });
  if (options.brownoutMs > 0) faults.push({ atMs: brownoutAtMs, action: { kind: "storeBrownout", unavailableShare: 0.2, throttledShare: 0.2, forMs: options.brownoutMs } });
  if (options.publishOutageMs > 0) faults.push({ atMs: publishAtMs, action: { kind: "publishOutage", topic: "orders", downForMs: options.publishOutageMs } });
  if (options.stackDownMs > 0) faults.push({ atMs: stackKillAtMs, action: { kind: "stackKill", downForMs: options.stackDownMs } });
  for (let r = 0; r < options.duplicateRounds; r++) {
    faults.push({ atMs: Math.round((windowMs * (r + 1)) / (options.duplicateRounds + 1)), action: { kind: "duplicate", round: r + 1 } });
  }
  for (let c = 0; c < options.crmOutages; c++) {
    const atMs = Math.round((windowMs * (c + 0.3)) / options.crmOutages);
    faults.push({ atMs, action: { kind: "crm", down: true } });
    faults.push({ atMs: atMs + Math.round(options.outageMs / 2), action: { kind: "crm", down: false } });
  }
  faults.sort((a, b) => a.atMs - b.atMs);

  const digest = createHash("sha256").update(JSON.stringify({ stock, flows, faults })).digest("hex").slice(0, 12);
  return { options, stock, flows, faults, windowMs, digest };
};
