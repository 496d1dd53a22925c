import { MAX_EVENT_NESTING_DEPTH, NESTING_REJECTION, guardInvocationsAgainstDeepNesting, nestsDeeperThan } from "#src/platform/nestingGuard";
import { runReaction } from "#src/platform/reactions";
import { sendInvoiceWhenPaymentConfirmed } from "#src/services/invoicing/sendInvoiceWhenPaymentConfirmed";
import { fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

// A stand-in for the worker's built-in module, so the real @azure/functions library leaves test mode here and hands
// us its real programming model, whose invocation model converts trigger data exactly as in Azure.
const core: { model?: { getInvocationModel(ctx: unknown): { getArguments(): Promise<{ inputs: unknown[] }> } } } & Record<string, unknown> = {
  version: "4.0.0",
  hostVersion: "4.0.0",
  registerFunction: () => ({ dispose: () => undefined }),
  registerHook: () => ({ dispose: () => undefined }),
  setProgrammingModel(model: never) {
    core.model = model;
  },
  getProgrammingModel: () => core.model,
  Disposable: class {},
};
jest.mock("@azure/functions-core", () => core, { virtual: true });

const nested = (depth: number): unknown => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = { n: value };
  return value;
};

const deepEvent = (depth: number) => ({
  specversion: "1.0",
  id: "evt-deep",
  source: "/attacker",
  type: "Payments.PaymentConfirmed.v1",
  time: "2026-01-01T00:00:00Z",
  correlationid: "flow-deep",
  data: { orderId: "o-1", customerId: "c", chargeId: "ch", amount: 1, currency: "EUR", extra: nested(depth) },
});

/** JSON text of a too-deep event, written out directly: JSON.stringify itself recurses, and would overflow first. */
const deepEventJson = (depth: number): { event: string; data: string } => {
  const extra = `${'{"n":'.repeat(depth)}"bottom"${"}".repeat(depth)}`;
  const data = `{"orderId":"o-1","customerId":"c","chargeId":"ch","amount":1,"currency":"EUR","extra":${extra}}`;
  const event = `{"specversion":"1.0","id":"evt-deep","source":"/attacker","type":"Payments.PaymentConfirmed.v1","time":"2026-01-01T00:00:00Z","correlationid":"flow-deep","data":${data}}`;
  return { event, data };
};

/** The request the host sends the worker for one Event Grid event, as the local host and Azure's host build it. */
const invocation = (json: { event: string; data: string }) => ({
  invocationId: "i-1",
  request: {
    invocationId: "i-1",
    functionId: "f",
    inputData: [{ name: "event", data: { json: json.event } }],
    triggerMetadata: { data: { json: json.data } },
  },
  metadata: { name: "f", bindings: { event: { type: "eventGridTrigger", direction: "in" } } },
  state: undefined,
  log: () => undefined,
});

describe("events nested too deep for the Functions library", () => {
  it("counts depth without recursing, at any depth", () => {
    expect(nestsDeeperThan(nested(MAX_EVENT_NESTING_DEPTH - 1), MAX_EVENT_NESTING_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_EVENT_NESTING_DEPTH + 1), MAX_EVENT_NESTING_DEPTH)).toBe(true);
    expect(nestsDeeperThan(nested(200_000), MAX_EVENT_NESTING_DEPTH)).toBe(true);
  });

  it("the library's own conversion overflows on 20,000 levels; guarded, the event reaches the handler cut down and marked", async () => {
    const { app } = jest.requireActual<typeof import("@azure/functions")>("@azure/functions");
    expect(guardInvocationsAgainstDeepNesting((id) => jest.requireMock(id))).toBe(true);
    app.eventGrid("probe", { handler: async () => undefined });
    const model = core.model!;
    const event = deepEventJson(20_000);

    // What the guard wraps is the library's model, which on its own cannot even build the handler's arguments.
    const unguarded = Object.getPrototypeOf(model) as typeof model;
    await expect(unguarded.getInvocationModel(invocation(event)).getArguments()).rejects.toThrow(RangeError);

    const { inputs } = await model.getInvocationModel(invocation(event)).getArguments();
    expect(inputs[0]).toMatchObject({ id: "evt-deep", type: "Payments.PaymentConfirmed.v1", correlationid: "flow-deep", [NESTING_REJECTION]: expect.any(String) });
    expect(JSON.stringify(inputs[0])).not.toContain('"n"');

    // A shallow event passes through untouched.
    const normal = deepEvent(2);
    const { inputs: normalInputs } = await model
      .getInvocationModel(invocation({ event: JSON.stringify(normal), data: JSON.stringify(normal.data) }))
      .getArguments();
    expect(normalInputs[0]).toEqual(normal);
  });

  it("the runner parks a marked or too-deep event as poison with its top-level fields, and succeeds", async () => {
    const store = createInMemoryStore();
    const deps = { store, publisher: recordingPublisher(), ports: {}, clock: () => fixedNow };
    const result = await runReaction(sendInvoiceWhenPaymentConfirmed, deepEvent(MAX_EVENT_NESTING_DEPTH + 5), deps);
    expect(result).toEqual({ outcome: "poisoned", reason: `Event nested deeper than ${MAX_EVENT_NESTING_DEPTH} levels` });
    const [poison] = store.all().filter((d) => d.kind === "poison");
    expect(poison).toMatchObject({ reaction: "sendInvoiceWhenPaymentConfirmed", event: { id: "evt-deep", correlationid: "flow-deep" } });
    expect(JSON.stringify(poison)).not.toContain('"n"');
    expect(store.all().filter((d) => d.kind !== "poison")).toEqual([]);
  });
});
