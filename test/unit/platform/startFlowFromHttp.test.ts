import { placeOrder } from "../../../src/services/orders/placeOrderHttp";
import { signUpUser } from "../../../src/services/users/signUpUserHttp";
import { createInMemoryStore } from "../../support/inMemoryStore";
import { callHttp, testRuntime } from "../services/users/httpHarness";

/** A store whose next read misses: the request read before its twin committed, so it loses the race on create. */
const racingStore = () => {
  const store = createInMemoryStore();
  let missNext = false;
  const read = store.readDocument.bind(store);
  return Object.assign(store, {
    missNextRead: () => void (missNext = true),
    readDocument: (async (id: string, pk: string) => {
      if (missNext) {
        missNext = false;
        return undefined;
      }
      return read(id, pk);
    }),
  });
};

const order = (customerId: string) => ({ customerId, items: [{ sku: "SKU-1", quantity: 1, unitPrice: 5 }], currency: "EUR", paymentToken: "tok_visa" });
const post = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", url: "http://localhost/api/x", body, headers });

describe("startFlowFromHttp: the loser of a race for the same record answers from the winner's", () => {
  it("replays the winner's order for the same Idempotency-Key and body, 409 for another body; one event either way", async () => {
    const store = racingStore();
    const { runtime, publisher } = testRuntime("orders", {}, store);
    const first = await callHttp(placeOrder, post(order("c-1"), { "idempotency-key": "k-1" }), runtime);
    expect(first.status).toBe(202);

    store.missNextRead();
    const same = await callHttp(placeOrder, post(order("c-1"), { "idempotency-key": "k-1" }), runtime);
    expect(same).toMatchObject({ status: 202, body: { orderId: first.body.orderId, correlationId: first.body.correlationId } });

    store.missNextRead();
    const other = await callHttp(placeOrder, post(order("c-2"), { "idempotency-key": "k-1" }), runtime);
    expect(other).toMatchObject({ status: 409, body: { code: "ORDER.IDEMPOTENCY_KEY_REUSED" } });
    expect(publisher.published.map((e) => e.type)).toEqual(["Orders.OrderPlaced.v1"]);
  });

  it("answers 409 USER.EMAIL_TAKEN to the loser of two sign-ups with one email", async () => {
    const store = racingStore();
    const { runtime, publisher } = testRuntime("users", {}, store);
    expect((await callHttp(signUpUser, post({ email: "ada@example.com", name: "Ada" }), runtime)).status).toBe(202);
    store.missNextRead();
    const second = await callHttp(signUpUser, post({ email: "ada@example.com", name: "Ada L" }), runtime);
    expect(second).toMatchObject({ status: 409, body: { code: "USER.EMAIL_TAKEN" } });
    expect(publisher.published).toHaveLength(1);
  });
});
