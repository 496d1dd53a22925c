import { CosmosClient } from "@azure/cosmos";
import type { z } from "zod";
import { deterministicId } from "../../src/platform/ids";
import { userIdForEmail } from "../../src/services/users/documents";
import type { ServiceName } from "../../src/topology";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DeliveryRecord } from "@azure-choreography/eventgrid-emulator";
import { LOCAL_TOPIC_KEY } from "../../dev/stack";
import { RemoteStack, startRemoteStack } from "./stackProcess";
import { eventsAsPublished, republishEvents, type StoredCloudEvent } from "../../dev/admin/republish";
import { apiReplies, parseReply } from "../../dev/apiReplies";
import { ChaosObservation, InvariantResult, checkInvariants } from "./invariants";
import { ChaosOptions, ChaosPlan, EVENT_GRID_FIRST_RETRY_MS, PlannedFlow, buildChaosPlan } from "./plan";
import { localCosmosClient } from "@azure-choreography/cosmos-server";
import { seededRandom } from "@azure-choreography/server-kit";

export interface ChaosFigures {
  readonly planDigest: string;
  readonly flowsPlanned: number;
  readonly flowsAccepted: number;
  /** From the first command to the end of the last outage (all hosts up again, every command answered). */
  readonly chaosWindowMs: number;
  /** Flows accepted per second of the chaos window: the offered load, paced by the plan. */
  readonly flowsPerSecondUnderChaos: number;
  /** Flows per second from the first command until quiescence: what the stack settled, outages and retries included. */
  readonly flowsSettledPerSecond: number;
  /** From the end of the chaos window until the emulator was idle. */
  readonly timeToQuiescenceMs: number | null;
  readonly totalMs: number;
  readonly kills: readonly { readonly service: string; readonly when: "now" | "nextCall"; readonly atMs: number; readonly downForMs: number; readonly pid: number | null; readonly backUpAtMs: number | null }[];
  readonly duplicatedEvents: number;
  readonly crmOutages: number;
  readonly deliveries: number;
  readonly deadLetters: number;
  readonly firstRetryMs: number;
  /** Failed delivery attempts per subscription and outcome (e.g. `payments-chargePaymentWhenOrderPlaced CannotConnect`), most first. */
  readonly failedDeliveries: Readonly<Record<string, number>>;
  /** When the last failed delivery attempt started, after the end of the chaos window: what kept the stack from quiescence. */
  readonly lastFailedDeliveryAfterChaosMs: number | null;
  /** Faults underneath: two hosts down together, the store browning out, a topic refusing publishes, the whole stack killed. */
  readonly pairOutages: readonly { readonly services: readonly string[]; readonly atMs: number; readonly downForMs: number }[];
  readonly storeBrownouts: readonly { readonly atMs: number; readonly forMs: number; readonly unavailable: number; readonly throttled: number }[];
  readonly publishOutages: readonly { readonly topic: string; readonly atMs: number; readonly downForMs: number }[];
  readonly stackKills: readonly { readonly atMs: number; readonly pid: number | null; readonly downMs: number; readonly restartedInMs: number; readonly restoredDocuments: number }[];
  /** Outbox relay timers the suite ran after the window (instead of waiting for their 5-minute schedule). */
  readonly relayRuns: number;
}

export interface ChaosResult {
  readonly options: ChaosOptions;
  readonly figures: ChaosFigures;
  readonly outcomes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly invariants: readonly InvariantResult[];
  readonly breaches: number;
}

interface Accepted {
  order: Map<number, { orderId: string; correlationId: string }>;
  signUp: Map<number, { userId: string; correlationId: string }>;
  topUp: Map<number, { topUpId: string; walletId: string; correlationId: string }>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

type Reply = { status: number; body: unknown };

/** One HTTP call; network errors and 5xx (a host down, a 503 under contention) are retried like a patient client. */
const callWithRetry = async (
  method: string,
  url: string,
  {
    body,
    headers = {},
    retryStatuses = [],
    deadlineMs,
    pool = (work) => work(),
  }: { body?: unknown; headers?: Record<string, string>; retryStatuses?: number[]; deadlineMs: number; pool?: Pool },
): Promise<Reply> => {
  let wait = 200;
  let last = "";
  while (Date.now() < deadlineMs) {
    try {
      // A client slot is held per attempt, not across the waits: clients of a service that is up keep going.
      const { response, text } = await pool(async () => {
        const response = await fetch(url, {
          method,
          headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        return { response, text: await response.text() };
      });
      const reply: Reply = { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
      if (response.status < 500 && !retryStatuses.includes(response.status)) return reply;
      last = `${response.status} ${text.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    }
    await sleep(wait);
    wait = Math.min(1_000, wait * 2);
  }
  throw new Error(`${method} ${url} gave up: ${last}`);
};

type Pool = <T>(work: () => Promise<T>) => Promise<T>;

const semaphore = (size: number): Pool => {
  let free = size;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
};

/**
 * Runs the chaos suite: the whole stack in split mode (one Functions host per service, as in Azure) on free loopback
 * ports, a few hundred mixed flows while hosts are killed and restarted, deliveries duplicated and the CRM taken
 * down; then waits for quiescence and checks the business invariants on what the APIs and simulators report.
 */
export const runChaos = async (
  options: ChaosOptions,
  { appRoot, log, stackLog }: { appRoot: string; log: (line: string) => void; stackLog?: (line: string) => void },
): Promise<ChaosResult> => {
  const firstRetryMs = Math.round(EVENT_GRID_FIRST_RETRY_MS * options.retryScale);
  if (options.kills > 0 && firstRetryMs >= options.outageMs) {
    throw new Error(`The first retry (${firstRetryMs} ms at retry scale ${options.retryScale}) must be shorter than the outage (${options.outageMs} ms), or the outages test nothing.`);
  }
  const plan = buildChaosPlan(options);
  const started = Date.now();
  // The stack runs in a process of its own, keeping its data here, so it can be killed as a whole and started again.
  const dataDir = mkdtempSync(path.join(tmpdir(), "chaos-"));
  const stack = await startRemoteStack({
    appRoot,
    dataDir,
    retryScale: options.retryScale,
    log: (line) => {
      if (stackLog) stackLog(line);
      else if (line.startsWith("[stack]")) log(line);
    },
  });
  const cosmos = localCosmosClient(stack.info().cosmos.endpoint, stack.info().cosmos.key);
  try {
    return await drive(stack, cosmos, plan, { log, started, firstRetryMs });
  } finally {
    cosmos.dispose();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

const drive = async (
  stack: RemoteStack,
  cosmos: CosmosClient,
  plan: ChaosPlan,
  { log, started, firstRetryMs }: { log: (line: string) => void; started: number; firstRetryMs: number },
): Promise<ChaosResult> => {
  const { options } = plan;
  const api = (service: ServiceName) => stack.apiUrl(service);
  const devUrl = stack.info().devUrl;
  const database = cosmos.database(stack.info().cosmos.databaseName);
  // Every command and read gets long enough to outlast two overlapping outages and the retries after them.
  const patience = () => Date.now() + 2 * options.outageMs + 60_000;

  for (const [sku, available] of Object.entries(plan.stock)) {
    await callWithRetry("PUT", `${api("inventory")}/inventory/${sku}`, { body: { available }, deadlineMs: patience() });
  }

  // Customers register their cards before they shop (the card token goes to payments alone), so outages during the
  // flows still meet orders placed while payments is down.
  const cardKey = (flow: { customerId: string; paymentToken: string }) => `${flow.customerId} ${flow.paymentToken}`;
  const cards = new Map<string, string>();
  for (const flow of plan.flows) {
    if (flow.kind !== "order" || cards.has(cardKey(flow))) continue;
    const reply = await callWithRetry("POST", `${api("payments")}/payment-methods`, { body: { customerId: flow.customerId, paymentToken: flow.paymentToken }, deadlineMs: patience() });
    if (reply.status !== 201) throw new Error(`registering a card answered ${reply.status} ${JSON.stringify(reply.body)}`);
    cards.set(cardKey(flow), parseReply(apiReplies.paymentMethod, reply.body, "POST /payment-methods").paymentMethodId);
  }

  const accepted: Accepted = { order: new Map(), signUp: new Map(), topUp: new Map() };
  const rejected: { flow: string; reason: string }[] = [];
  // A top-up may be planned before its user's sign-up starts: it waits for that sign-up to be answered.
  const signUpDone = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  for (const flow of plan.flows) {
    if (flow.kind !== "signUp") continue;
    let resolve!: () => void;
    signUpDone.set(flow.index, { promise: new Promise<void>((r) => (resolve = r)), resolve });
  }
  const pool = semaphore(options.concurrency);
  const t0 = Date.now();
  const at = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  log(`[chaos] t=${at()}s ${plan.flows.length} flows over ~${(plan.windowMs / 1000).toFixed(0)} s, ${options.kills} kill(s) of ${options.outageMs} ms, plan ${plan.digest}`);

  const runFlow = async (flow: PlannedFlow): Promise<void> => {
    const label = `${flow.kind}#${flow.index}`;
    try {
      switch (flow.kind) {
        case "order": {
          const paymentMethodId = cards.get(cardKey(flow))!;
          const reply = await callWithRetry("POST", `${api("orders")}/orders`, {
            body: { customerId: flow.customerId, items: flow.items, currency: "EUR", paymentMethodId },
            headers: { "idempotency-key": flow.idempotencyKey },
            deadlineMs: patience(),
            pool,
          });
          if (reply.status !== 202) throw new Error(`answered ${reply.status} ${JSON.stringify(reply.body)}`);
          const { orderId, correlationId } = parseReply(apiReplies.orderAccepted, reply.body, `${label}: POST /orders`);
          accepted.order.set(flow.index, { orderId, correlationId });
          return;
        }
        case "signUp": {
          const reply = await callWithRetry("POST", `${api("users")}/users`, { body: { email: flow.email, name: flow.name }, deadlineMs: patience(), pool });
          // 409 after a retry: the first attempt went through but its answer was lost with the host.
          const taken = reply.status === 409 && apiReplies.problem.safeParse(reply.body).data?.code === "USER.EMAIL_TAKEN";
          if (reply.status !== 202 && !taken) throw new Error(`answered ${reply.status} ${JSON.stringify(reply.body)}`);
          const userId = userIdForEmail(flow.email);
          accepted.signUp.set(flow.index, { userId, correlationId: deterministicId("flow", "user", userId) });
          return;
        }
        case "topUp": {
          await signUpDone.get(flow.signUp)?.promise;
          const user = accepted.signUp.get(flow.signUp);
          if (!user) throw new Error(`its user (signUp#${flow.signUp}) was never signed up`);
          // 404 until the ledger has opened the wallet from UserSignedUp: a client would retry too.
          const account = await callWithRetry("POST", `${api("banking")}/funding-sources`, {
            body: { walletId: user.userId, bankToken: flow.bankToken },
            deadlineMs: patience(),
            pool,
          });
          if (account.status !== 201) throw new Error(`registering the bank account answered ${account.status} ${JSON.stringify(account.body)}`);
          const { fundingSourceId } = parseReply(apiReplies.fundingSource, account.body, `${label}: POST /funding-sources`);
          const reply = await callWithRetry("POST", `${api("ledger")}/wallets/${user.userId}/top-ups`, {
            body: { amount: flow.amount, currency: "EUR", fundingSourceId },
            headers: { "idempotency-key": flow.idempotencyKey },
            retryStatuses: [404],
            deadlineMs: patience(),
            pool,
          });
          if (reply.status !== 202) throw new Error(`answered ${reply.status} ${JSON.stringify(reply.body)}`);
          const { topUpId, correlationId } = parseReply(apiReplies.topUpAccepted, reply.body, `${label}: POST /wallets/${user.userId}/top-ups`);
          accepted.topUp.set(flow.index, { topUpId, walletId: user.userId, correlationId });
          return;
        }
        default: {
          const never: never = flow;
          throw new Error(`unknown flow ${String(never)}`);
        }
      }
    } catch (error) {
      rejected.push({ flow: label, reason: error instanceof Error ? error.message : String(error) });
    } finally {
      if (flow.kind === "signUp") signUpDone.get(flow.index)?.resolve();
    }
  };

  const flowRuns: Promise<void>[] = [];
  const launcher = (async () => {
    for (const flow of plan.flows) {
      await sleep(t0 + flow.startAtMs - Date.now());
      flowRuns.push(runFlow(flow));
    }
  })();

  // Sampled while the run goes on: "never negative" is about every moment, not just the end.
  const negativeStockSeen: { sku: string; available: number; reserved: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const sku of Object.keys(plan.stock)) {
        try {
          const r = await fetch(`${api("inventory")}/inventory/${sku}`, { signal: AbortSignal.timeout(2_000) });
          const level = apiReplies.stockLevel.safeParse(await r.json()).data;
          if (r.ok && level && (level.available < 0 || level.reserved < 0)) negativeStockSeen.push({ sku, available: level.available, reserved: level.reserved });
        } catch {
          /* inventory is down: nothing to sample */
        }
      }
      await sleep(1_000);
    }
  })();

  const kills: { service: string; when: "now" | "nextCall"; atMs: number; downForMs: number; pid: number | null; backUpAtMs: number | null }[] = [];
  const pairOutages: ChaosFigures["pairOutages"][number][] = [];
  const storeBrownouts: ChaosFigures["storeBrownouts"][number][] = [];
  const publishOutages: ChaosFigures["publishOutages"][number][] = [];
  const stackKills: ChaosFigures["stackKills"][number][] = [];
  const deliveriesBefore: DeliveryRecord[] = [];
  let publishOutageEndedAt = 0;
  let relayed = 0;
  let duplicatedEvents = 0;
  let crmOutages = 0;
  const duplicate = async (round: number, share: number): Promise<number> => {
    const random = seededRandom(options.seed * 1000 + round);
    const flows = [...accepted.order.values(), ...accepted.signUp.values(), ...accepted.topUp.values()].map((f) => f.correlationId).sort();
    const chosen = flows.filter(() => random() < share);
    const journal = database.container("journal");
    let events: StoredCloudEvent[] = [];
    for (const correlationId of chosen) {
      const { resources } = await journal.items
        .query<{ event: StoredCloudEvent }>({ query: "SELECT * FROM c WHERE c.kind = 'journalEntry' AND c.pk = @pk", parameters: [{ name: "@pk", value: correlationId }] })
        .fetchAll();
      events = events.concat(resources.map((r) => r.event));
    }
    await republishEvents((t) => stack.topicEndpoint(t), LOCAL_TOPIC_KEY, await eventsAsPublished(database, events));
    return events.length;
  };
  const faults = (async () => {
    for (const fault of plan.faults) {
      await sleep(t0 + fault.atMs - Date.now());
      const { action } = fault;
      try {
        if (action.kind === "kill") {
          const when: "now" | "nextCall" = action.duringCall ? "nextCall" : "now";
          const reply = await callWithRetry("POST", `${devUrl}/admin/hosts/${action.service}/kill?downForMs=${action.downForMs}&when=${when}`, { deadlineMs: Date.now() + 5_000 });
          const atMs = Date.now() - t0;
          if (reply.status !== 202) {
            log(`[chaos] t=${at()}s kill ${action.service} refused: ${reply.status} ${apiReplies.problem.safeParse(reply.body).data?.detail ?? ""}`);
            continue;
          }
          const host = parseReply(apiReplies.killedHost, reply.body, `kill ${action.service}`);
          const record = { service: action.service, when, atMs, downForMs: action.downForMs, pid: host.pid, backUpAtMs: null as number | null };
          kills.push(record);
          log(`[chaos] t=${at()}s ${when === "now" ? "killed" : "will kill during its next outside call:"} ${action.service} (pid ${record.pid}) for ${action.downForMs} ms`);
          // An armed kill fires on the service's next call; waitUntilUp must not see the host still up before that.
          if (when === "nextCall") await waitForExit(stack, action.service, record.pid, Date.now() + 10_000);
          void stack.waitUntilUp(action.service, action.downForMs + 120_000).then(
            () => (record.backUpAtMs = Date.now() - t0),
            () => undefined,
          );
        } else if (action.kind === "duplicate") {
          const n = await duplicate(action.round, options.duplicateShare);
          duplicatedEvents += n;
          log(`[chaos] t=${at()}s duplicate round ${action.round}: published ${n} journaled event(s) again`);
        } else if (action.kind === "pairOutage") {
          // Both at once, as a bad deploy of both would: each kill answers at once, the hosts stay down together. Both
          // must be up first (an earlier kill's restart may still be under way), or one kill would be refused.
          for (const service of action.services) await stack.waitUntilUp(service, 120_000).catch(() => undefined);
          const atMs = Date.now() - t0;
          const replies = await Promise.all(
            action.services.map((service) => callWithRetry("POST", `${devUrl}/admin/hosts/${service}/kill?downForMs=${action.downForMs}`, { deadlineMs: Date.now() + 5_000 })),
          );
          pairOutages.push({ services: action.services, atMs, downForMs: action.downForMs });
          log(`[chaos] t=${at()}s killed ${action.services.join(" and ")} together for ${action.downForMs} ms (${replies.map((r) => r.status).join(", ")})`);
        } else if (action.kind === "storeBrownout") {
          const atMs = Date.now() - t0;
          const { kind: _kind, ...plan } = action;
          await callWithRetry("POST", `${devUrl}/admin/faults/store`, { body: plan, deadlineMs: Date.now() + 5_000 });
          log(`[chaos] t=${at()}s store brownout for ${action.forMs} ms: ${action.unavailableShare * 100}% 503, ${action.throttledShare * 100}% 429`);
          await sleep(action.forMs); // what the plan did is kept after its window
          const seen = apiReplies.storeFaults.safeParse((await callWithRetry("GET", `${devUrl}/admin/faults`, { deadlineMs: Date.now() + 5_000 })).body).data;
          storeBrownouts.push({ atMs, forMs: action.forMs, unavailable: seen?.store?.unavailable ?? 0, throttled: seen?.store?.throttled ?? 0 });
        } else if (action.kind === "publishOutage") {
          await callWithRetry("POST", `${devUrl}/admin/faults/topics/${action.topic}?downForMs=${action.downForMs}`, { deadlineMs: Date.now() + 5_000 });
          publishOutages.push({ topic: action.topic, atMs: Date.now() - t0, downForMs: action.downForMs });
          publishOutageEndedAt = Math.max(publishOutageEndedAt, Date.now() + action.downForMs);
          log(`[chaos] t=${at()}s publish endpoint of ${action.topic} down for ${action.downForMs} ms`);
        } else if (action.kind === "stackKill") {
          const atMs = Date.now() - t0;
          deliveriesBefore.push(...(await stack.deliveries().catch(() => [])));
          const { pid } = await stack.killWholeStack();
          log(`[chaos] t=${at()}s killed the whole stack (pid ${pid}) with SIGKILL: store, broker, simulators and hosts`);
          await sleep(action.downForMs);
          const restarting = Date.now();
          const ready = await stack.restart();
          stackKills.push({ atMs, pid: pid ?? null, downMs: Date.now() - atMs - t0, restartedInMs: Date.now() - restarting, restoredDocuments: ready.restoredDocuments });
          log(`[chaos] t=${at()}s stack started again on its data: ${ready.restoredDocuments} document(s) restored`);
        } else {
          await callWithRetry("PUT", `${devUrl}/dev/crm/outage`, { body: { down: action.down }, deadlineMs: Date.now() + 5_000 });
          if (action.down) crmOutages++;
          log(`[chaos] t=${at()}s CRM ${action.down ? "down" : "up again"}`);
        }
      } catch (error) {
        log(`[chaos] t=${at()}s ${action.kind} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();

  const progress = setInterval(() => {
    const done = accepted.order.size + accepted.signUp.size + accepted.topUp.size;
    log(`[chaos] t=${at()}s ${done}/${plan.flows.length} flows accepted, ${rejected.length} rejected`);
  }, 10_000);
  try {
    await launcher;
    await faults;
    await Promise.all(flowRuns);
  } finally {
    clearInterval(progress);
    // Whatever happened above, the CRM must be up and every host back before quiescence can mean anything.
    await fetch(`${devUrl}/dev/crm/outage`, { method: "PUT", headers: { "content-type": "application/json" }, body: '{"down":false}' }).catch(() => undefined);
  }
  for (const host of await stack.hosts()) await stack.waitUntilUp(host.services[0]!, 120_000);
  // Commands accepted while their topic was down left their event in the outbox, for the relay timer (every 5 min,
  // entries older than 10 s): the suite runs the relay itself once they are old enough, as time compressed.
  if (publishOutageEndedAt > 0) {
    await sleep(publishOutageEndedAt + RELAY_GRACE_MS - Date.now());
    relayed += await runOutboxRelay(stack);
    log(`[chaos] t=${at()}s outbox relay run on every host that has one (${relayed})`);
  }
  const chaosEnd = Date.now();
  const acceptedCount = accepted.order.size + accepted.signUp.size + accepted.topUp.size;
  log(`[chaos] t=${at()}s chaos window over: ${acceptedCount} flows accepted; waiting for quiescence (at most ${options.quiescenceTimeoutMs / 1000} s)`);

  const quiesce = async (deadline: number): Promise<{ reached: boolean; detail?: string }> => {
    try {
      // Twice, apart: a reaction answering its delivery may publish the next event a moment after the queue drained.
      for (let i = 0; i < 2; i++) {
        await stack.idle(Math.max(1, deadline - Date.now()));
        await sleep(500);
      }
      await stack.idle(Math.max(1, deadline - Date.now()));
      return { reached: true };
    } catch (error) {
      return { reached: false, detail: error instanceof Error ? error.message : String(error) };
    }
  };
  const deadline = chaosEnd + options.quiescenceTimeoutMs;
  let quiescence = await quiesce(deadline);
  const quiescentAt = Date.now();
  const timeToQuiescenceMs = quiescence.reached ? quiescentAt - chaosEnd : null;
  log(`[chaos] t=${at()}s ${quiescence.reached ? `quiescent after ${((timeToQuiescenceMs ?? 0) / 1000).toFixed(1)} s` : `not quiescent: ${quiescence.detail}`}`);
  if (quiescence.reached && options.duplicateRounds > 0) {
    // Settled flows must stay settled when every one of their events arrives once more.
    const n = await duplicate(options.duplicateRounds + 1, Math.min(1, options.duplicateShare * 2));
    duplicatedEvents += n;
    log(`[chaos] t=${at()}s after quiescence: published ${n} journaled event(s) again`);
    quiescence = await quiesce(Date.now() + options.quiescenceTimeoutMs);
  }
  sampling = false;
  await sampler;

  const deliveries = [...deliveriesBefore, ...(await stack.deliveries())];
  const observation = await observe(stack, database, plan, accepted, rejected, negativeStockSeen, quiescence, api);
  const invariants = checkInvariants(observation);
  const count = <T>(values: readonly T[], key: (v: T) => string) =>
    values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [key(v)]: (acc[key(v)] ?? 0) + 1 }), {});
  const chaosWindowMs = chaosEnd - t0;
  return {
    options,
    figures: {
      planDigest: plan.digest,
      flowsPlanned: plan.flows.length,
      flowsAccepted: acceptedCount,
      chaosWindowMs,
      flowsPerSecondUnderChaos: Math.round((acceptedCount / (chaosWindowMs / 1000)) * 10) / 10,
      flowsSettledPerSecond: Math.round((acceptedCount / ((quiescentAt - t0) / 1000)) * 10) / 10,
      timeToQuiescenceMs,
      totalMs: Date.now() - started,
      kills,
      duplicatedEvents,
      crmOutages,
      deliveries: deliveries.length,
      deadLetters: (await stack.deadLetters()).length,
      firstRetryMs,
      ...deliveryFailures(deliveries, chaosEnd),
      pairOutages,
      storeBrownouts,
      publishOutages,
      stackKills,
      relayRuns: relayed,
    },
    outcomes: {
      orders: count(observation.orders, (o) => (o.view ? `${o.view.status}` : "missing")),
      "orders (inventory/payment)": count(observation.orders, (o) => (o.view ? `${o.view.inventory}/${o.view.payment}` : "missing")),
      users: count(observation.users, (u) => u.view?.status ?? "missing"),
      topUps: count(observation.topUps, (t) => t.view?.status ?? "missing"),
    },
    invariants,
    breaches: invariants.reduce((n, i) => n + i.breaches.length, 0),
  };
};

const observe = async (
  stack: RemoteStack,
  database: ReturnType<CosmosClient["database"]>,
  plan: ChaosPlan,
  accepted: Accepted,
  rejected: { flow: string; reason: string }[],
  negativeStockSeen: ChaosObservation["negativeStockSeen"],
  quiescence: ChaosObservation["quiescence"],
  api: (service: ServiceName) => string,
): Promise<ChaosObservation> => {
  const deadlineMs = Date.now() + 30_000;
  /** A resource, or `undefined` when the API answers anything but 200 (a flow's resource not found, say). */
  const read = async <T>(url: string, schema: z.ZodType<T>): Promise<T | undefined> => {
    const reply = await callWithRetry("GET", url, { deadlineMs });
    return reply.status === 200 ? parseReply(schema, reply.body, `GET ${url}`) : undefined;
  };
  /** A simulator's list, which is always there. */
  const readList = async <T>(url: string, schema: z.ZodType<T>): Promise<T> => {
    const list = await read(url, schema);
    if (list === undefined) throw new Error(`GET ${url} did not answer 200`);
    return list;
  };
  const all = async <T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> => {
    const out: R[] = [];
    for (let i = 0; i < items.length; i += 16) out.push(...(await Promise.all(items.slice(i, i + 16).map(f))));
    return out;
  };
  const query = async <T>(container: string, where: string): Promise<T[]> =>
    (await database.container(container).items.query<T>(`SELECT * FROM c WHERE ${where}`).fetchAll()).resources;

  const orders = await all([...accepted.order], async ([plannedIndex, o]) => ({ ...o, plannedIndex, view: await read(`${api("orders")}/orders/${o.orderId}`, apiReplies.order) }));
  const stock = Object.fromEntries(await all(Object.keys(plan.stock), async (sku) => [sku, await read(`${api("inventory")}/inventory/${sku}`, apiReplies.stockLevel)] as const));
  const signUps = plan.flows.filter((f) => f.kind === "signUp");
  const users = await all([...accepted.signUp], async ([index, u]) => ({
    ...u,
    email: signUps.find((f) => f.index === index)!.email,
    name: signUps.find((f) => f.index === index)!.name,
    view: await read(`${api("users")}/users/${u.userId}`, apiReplies.user),
  }));
  const wallets = Object.fromEntries(await all(users, async (u) => [u.userId, await read(`${api("ledger")}/wallets/${u.userId}`, apiReplies.wallet)] as const));
  const topUpPlans = plan.flows.filter((f) => f.kind === "topUp");
  const topUps = await all([...accepted.topUp], async ([index, t]) => ({
    ...t,
    amount: topUpPlans.find((f) => f.index === index)!.amount,
    view: await read(`${api("ledger")}/wallets/${t.walletId}/top-ups/${t.topUpId}`, apiReplies.topUp),
  }));
  const journal = (await query<{ pk: string; event: { type: string } }>("journal", "c.kind = 'journalEntry'")).map((e) => ({ correlationId: e.pk, type: e.event.type }));
  return {
    plan,
    // The hosts read the rewards setting from their app settings, which fall back to this process's environment.
    freeCreditsAmount: stack.info().freeCreditsAmount,
    rejected,
    quiescence,
    orders,
    stock,
    negativeStockSeen,
    charges: await readList(`${stack.info().devUrl}/dev/payments/charges`, apiReplies.charges),
    refunds: await readList(`${stack.info().devUrl}/dev/payments/refunds`, apiReplies.refunds),
    invoices: await query<{ orderId: string; status: string }>("invoicing", "c.kind = 'invoice'"),
    holds: await query<{ orderId: string; sku: string; quantity: number; status: string }>("inventory", "c.kind = 'hold'"),
    reservations: await query<{ orderId: string; status: string }>("inventory", "c.kind = 'reservation'"),
    users,
    emails: await readList(`${stack.info().devUrl}/dev/mailbox`, apiReplies.emails),
    contacts: await readList(`${stack.info().devUrl}/dev/crm/contacts`, apiReplies.contacts),
    wallets,
    topUps,
    bankPayments: await readList(`${stack.info().devUrl}/dev/bank/payments`, apiReplies.bankPayments),
    journal,
  };
};

/** The relay's grace (src/platform/registerServices.ts): it leaves entries younger than this to their own publish. */
const RELAY_GRACE_MS = 11_000;

/** Runs every host's outbox relay timer through the host's admin API, as Functions' `POST /admin/functions/{name}` does. */
const runOutboxRelay = async (stack: RemoteStack): Promise<number> => {
  let invoked = 0;
  for (const host of await stack.hosts()) {
    const functions = (await (await fetch(`${host.url}/admin/functions`)).json()) as { name: string }[];
    for (const f of functions.filter((x) => x.name.endsWith("-publishPendingOutbox"))) {
      const reply = await fetch(`${host.url}/admin/functions/${f.name}`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"input":""}' });
      if (reply.status < 300) invoked++;
    }
  }
  return invoked;
};

const deliveryFailures = (deliveries: readonly DeliveryRecord[], chaosEnd: number): Pick<ChaosFigures, "failedDeliveries" | "lastFailedDeliveryAfterChaosMs"> => {
  const failed = deliveries.filter((d) => d.outcome !== "Succeeded");
  const counts = new Map<string, number>();
  for (const d of failed) {
    const key = `${d.subscription} ${d.outcome}${d.httpStatusCode ? ` ${d.httpStatusCode}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const last = failed.reduce((max, d) => Math.max(max, Date.parse(d.time)), 0);
  return {
    failedDeliveries: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
    lastFailedDeliveryAfterChaosMs: last > chaosEnd ? last - chaosEnd : null,
  };
};

/** Waits until the host of `service` no longer runs `pid` (an armed kill fired), or the deadline passes. */
const waitForExit = async (stack: RemoteStack, service: string, pid: number | null, deadlineMs: number): Promise<void> => {
  while (Date.now() < deadlineMs) {
    const host = (await stack.hosts().catch(() => [])).find((h) => h.services.includes(service as ServiceName));
    if (!host || host.state !== "up" || host.pid !== pid) return;
    await sleep(20);
  }
};
