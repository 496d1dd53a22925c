import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { inspect, promisify } from "node:util";
import { CosmosClient } from "@azure/cosmos";
import { TopicName } from "#src/events/catalog";
import { eventsAsPublished, republishEvents } from "#dev/admin/republish";
import { selectServices } from "#src/topology";
import { LOCAL_TOPIC_KEY, LocalStack, LocalStackOptions, startLocalStack } from "#dev/stack";

export const repoRoot = path.resolve(__dirname, "../../..");
const runFile = promisify(execFile);

export interface TestStack {
  readonly apiUrl: string;
  readonly devUrl: string;
  readonly eventGridUrl: string;
  readonly cosmos: LocalStack["cosmos"];
  readonly stack: LocalStack;
  topicEndpoint(topic: TopicName): string;
  readonly topicKey: string;
  deadLetters(): Promise<unknown[]>;
  /**
   * Publishes a copy of each event (named by events read back from the journal; sent as its publisher sent it, from the
   * outbox) to its topic with the real publisher client, as Event Grid's at-least-once delivery may, and waits until
   * every delivery has settled.
   */
  deliverAgain(events: readonly any[]): Promise<void>;
  /** Everything the stack logged, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

/** The real local stack on free ports, quiet unless STACK_LOGS=1; the Functions host loads the compiled app. */
export const startLocalStackForTests = async (options: Partial<LocalStackOptions> = {}): Promise<TestStack> => {
  if (!existsSync(path.join(repoRoot, "dist/src/index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (npm test does it for you)");
  }
  const lines: string[] = [];
  const stack = await startLocalStack({
    appRoot: repoRoot,
    ports: { cosmos: 0, functions: 0, eventGrid: 0, dev: 0 },
    retryScale: 0.005,
    disableTimers: true,
    log: (line) => {
      lines.push(line);
      if (lines.length > 20_000) lines.splice(0, 5_000);
      if (process.env.STACK_LOGS === "1") process.stdout.write(`${line}\n`);
    },
    // STACK_SERVICES=orders,inventory hosts only those (handy while a service is being written).
    ...(process.env.STACK_SERVICES ? { services: selectServices(process.env.STACK_SERVICES) } : {}),
    ...options,
  });
  return {
    apiUrl: stack.apiUrl,
    devUrl: stack.devUrl,
    eventGridUrl: stack.eventGrid.url,
    cosmos: stack.cosmos,
    stack,
    topicEndpoint: (topic) => stack.eventGrid.topicEndpoint(topic),
    topicKey: LOCAL_TOPIC_KEY,
    deadLetters: async () => stack.eventGrid.deadLetters(),
    deliverAgain: async (events) => {
      // As published (from the outbox), not as journaled: the journal's copies are redacted.
      const client = new CosmosClient({ endpoint: stack.cosmos.endpoint, key: stack.cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
      try {
        const originals = await eventsAsPublished(client.database(stack.cosmos.databaseName), events);
        await republishEvents((topic) => stack.eventGrid.topicEndpoint(topic), LOCAL_TOPIC_KEY, originals);
      } finally {
        client.dispose();
      }
      await stack.eventGrid.idle(30_000);
    },
    logs: () => lines.join("\n"),
    stop: () => stack.stop(),
  };
};

/** Polls until `probe` returns a value (not undefined), or fails after the timeout naming what it waited for. */
export const waitFor = async <T>(
  probe: () => Promise<T | undefined>,
  { timeoutInMs = 20_000, intervalInMs = 50, description = "condition" }: { timeoutInMs?: number; intervalInMs?: number; description?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutInMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalInMs));
  }
  throw new Error(`Timed out after ${timeoutInMs} ms waiting for ${description}${last ? ` (last error: ${inspect(last)})` : ""}`);
};

export const getJson = async (url: string): Promise<{ status: number; body: any }> => {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

export const sendJson = async (
  method: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> => {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body: parsed, headers: response.headers };
};

/** Asks once per key, like a client that keeps the reference it got: the same card gives the same order body. */
const rememberedReferences = new Map<string, Promise<string>>();
const remembered = (key: string, register: () => Promise<string>): Promise<string> => {
  let reference = rememberedReferences.get(key);
  if (!reference) {
    reference = register();
    rememberedReferences.set(key, reference);
    // A refused registration is not remembered: the next call asks again.
    reference.catch(() => rememberedReferences.delete(key));
  }
  return reference;
};

/** The card token goes to payments alone, as a client's does before it orders: answers the reference the order names. */
export const registerCard = (apiUrl: string, customerId: string, paymentToken = "tok_visa"): Promise<string> =>
  remembered(`${apiUrl} card ${customerId} ${paymentToken}`, async () => {
    const reply = await sendJson("POST", `${apiUrl}/payment-methods`, { customerId, paymentToken });
    if (reply.status !== 201) throw new Error(`POST /payment-methods answered ${reply.status} ${JSON.stringify(reply.body)}`);
    return (reply.body as { paymentMethodId: string }).paymentMethodId;
  });

/** The bank token goes to banking alone, as a client's does before a top-up: answers the reference the top-up names. */
export const registerBankAccount = (apiUrl: string, walletId: string, bankToken = "bank_ok"): Promise<string> =>
  remembered(`${apiUrl} bank ${walletId} ${bankToken}`, async () => {
    const reply = await sendJson("POST", `${apiUrl}/funding-sources`, { walletId, bankToken });
    if (reply.status !== 201) throw new Error(`POST /funding-sources answered ${reply.status} ${JSON.stringify(reply.body)}`);
    return (reply.body as { fundingSourceId: string }).fundingSourceId;
  });

/**
 * A command as a user runs it (a built CLI of this repository, npm, tsc), never throwing whatever its exit code: its
 * code and its stdout followed by its stderr.
 */
export const runCommand = async (
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutInMs?: number } = {},
): Promise<{ code: number; out: string }> => {
  try {
    const { stdout, stderr } = await runFile(command, [...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      timeout: options.timeoutInMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
};
