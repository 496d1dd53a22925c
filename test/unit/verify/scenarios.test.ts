import { ApiClient, Reply } from "#scripts/verify/client";
import { ScenarioContext, outsideAnswersFrom, scenarios } from "#scripts/verify/scenarios";

/**
 * The scenarios judge a flow by what the APIs answer while the flow is still moving. A compensation that is under way
 * (an invoice sent on the payment, voided once the cancellation reaches invoicing) is not yet an outcome: the scenario
 * waits for it instead of failing on the in-between answer.
 */
const scriptedApi = (answers: Record<string, readonly unknown[]>): ApiClient => {
  const served: Record<string, number> = {};
  const get = (path: string): Reply => {
    const sequence = answers[path];
    if (!sequence) return { status: 404, body: { detail: `nothing scripted for ${path}` } };
    const index = Math.min(served[path] ?? 0, sequence.length - 1);
    served[path] = (served[path] ?? 0) + 1;
    return { status: 200, body: sequence[index] };
  };
  const call = async (method: string, _service: string, path: string, body?: unknown): Promise<Reply> => {
    if (method === "PUT" && path.startsWith("inventory/")) return { status: 200, body: { ...(body as object), reserved: 0 } };
    if (method === "POST" && path === "payment-methods") return { status: 201, body: { paymentMethodId: "pm_x" } };
    if (method === "POST" && path === "orders") return { status: 202, body: { orderId: "o-1", correlationId: "c-1" } };
    return get(path);
  };
  return {
    call,
    expect: (what, reply, status, schema) => {
      if (reply.status !== status) throw new Error(`${what}: HTTP ${reply.status}`);
      return schema.parse(reply.body);
    },
    until: async (what, _service, path, schema, done) => {
      for (let poll = 0; poll < 20; poll++) {
        const reply = get(path);
        if (reply.status === 200 && done(schema.parse(reply.body))) return schema.parse(reply.body);
      }
      throw new Error(`${what} did not settle`);
    },
  };
};

const order = (invoice: { status: string } | null) => ({
  status: "Cancelled",
  inventory: "Rejected",
  payment: "Refunded",
  total: 21,
  items: [{ sku: "VERIFY-x", quantity: 2 }],
  invoice,
});

const outOfStock = scenarios.order.find((s) => s.name.startsWith("out of stock"))!;
const context = (api: ApiClient): ScenarioContext => ({ api, id: "x", answers: outsideAnswersFrom({}), deadlineInMs: 1000 });

describe("verify's order scenarios while the compensation is still moving", () => {
  it("out of stock, card charged: the invoice sent on the payment is voided a moment after the order reads Cancelled", async () => {
    const api = scriptedApi({
      "orders/o-1": [order({ status: "Sent" }), order({ status: "Sent" }), order({ status: "Voided" })],
      "inventory/VERIFY-x": [{ available: 1, reserved: 0 }],
      "flows/c-1": [{ events: [{ time: "t", type: "Orders.OrderCancelled.v1", source: "orders" }] }],
    });
    await expect(outOfStock.run(context(api))).resolves.toMatchObject({ correlationId: "c-1" });
  });

  it("an invoice that stays Sent on a cancelled order is a failure, named", async () => {
    const api = scriptedApi({
      "orders/o-1": [order({ status: "Sent" })],
      "inventory/VERIFY-x": [{ available: 1, reserved: 0 }],
      "flows/c-1": [{ events: [{ time: "t", type: "Orders.OrderCancelled.v1", source: "orders" }] }],
    });
    await expect(outOfStock.run(context(api))).rejects.toThrow(/invoice|did not settle/);
  });
});
