import { createRecentWrites } from "#src/platform/reactions";
import { placeOrder } from "#src/services/orders/placeOrderHttp";
import { signUpUser } from "#src/services/users/signUpUserHttp";
import { createInMemoryStore } from "../../support/inMemoryStore";
import { A_PAYMENT_METHOD_ID } from "../../support/events";
import { callHttp, testRuntime } from "../services/users/httpHarness";

/** An in-memory store that counts point reads: a new record should cost none, an existing one exactly one. */
const countingStore = () => {
  const store = createInMemoryStore();
  const read = store.readDocument.bind(store);
  const counter = { reads: 0 };
  return Object.assign(store, {
    counter,
    readDocument: (async (id: string, pk: string) => {
      counter.reads += 1;
      return read(id, pk);
    }),
  });
};

const order = (customerId: string) => ({ customerId, items: [{ sku: "SKU-1", quantity: 1, unitPrice: 5 }], currency: "EUR", paymentMethodId: A_PAYMENT_METHOD_ID });
const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", url: "http://localhost/api/x", body, headers });

describe("startFlowFromHttp: the create refuses a taken record id; the repeat (or the loser of a race) answers from the existing record", () => {
  it("replays the winner's order for the same Idempotency-Key and body, 409 for another body; one event either way", async () => {
    const store = countingStore();
    const { runtime, publisher } = testRuntime("orders", {}, store);
    const first = await callHttp(placeOrder, post(order("c-1"), { "idempotency-key": "k-1" }), runtime);
    expect(first.status).toBe(202);
    expect(store.counter.reads).toBe(0);

    const same = await callHttp(placeOrder, post(order("c-1"), { "idempotency-key": "k-1" }), runtime);
    expect(same).toMatchObject({ status: 202, body: { orderId: first.body.orderId, correlationId: first.body.correlationId } });
    expect(store.counter.reads).toBe(2); // the record, and its first event's outbox entry (re-published if unsent)

    const other = await callHttp(placeOrder, post(order("c-2"), { "idempotency-key": "k-1" }), runtime);
    expect(other).toMatchObject({ status: 409, body: { code: "ORDER.IDEMPOTENCY_KEY_REUSED" } });
    expect(publisher.published.map((e) => e.type)).toEqual(["Orders.OrderPlaced.v2"]);
  });

  it("answers 409 USER.EMAIL_TAKEN to the loser of two sign-ups with one email", async () => {
    const store = countingStore();
    const { runtime, publisher } = testRuntime("users", {}, store);
    expect((await callHttp(signUpUser, post({ email: "ada@example.com", name: "Ada" }), runtime)).status).toBe(202);
    const second = await callHttp(signUpUser, post({ email: "ada@example.com", name: "Ada L" }), runtime);
    expect(second).toMatchObject({ status: 409, body: { code: "USER.EMAIL_TAKEN" } });
    expect(publisher.published).toHaveLength(1);
  });

  it("remembers the record it created, with the ETag the commit gave it, for the flow's next reactions in this process", async () => {
    const store = countingStore();
    const { runtime } = testRuntime("orders", {}, store);
    const recentWrites = createRecentWrites();
    const placed = await callHttp(placeOrder, post(order("c-1")), { ...runtime, recentWrites });
    const id = `order:${placed.body.orderId}`;
    const stored = store.all().find((d) => d.id === id)!;
    expect(recentWrites.get(`${stored.pk}\u0000${id}`)).toEqual({ document: expect.objectContaining({ id, status: "Pending" }), etag: stored._etag });
  });
});
