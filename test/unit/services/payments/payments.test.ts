import { ReactionDependencies, runReaction } from "#src/platform/reactions";
import { ServiceRuntime } from "#src/platform/runtime";
import { chargePaymentWhenOrderPlaced } from "#src/services/payments/chargePaymentWhenOrderPlaced";
import { PaymentsPorts } from "#src/services/payments";
import { PaymentGateway } from "#src/services/payments/paymentGateway";
import { reconcilePaymentsWithGateway } from "#src/services/payments/reconcilePaymentsWithGateway";
import { refundPaymentWhenOrderCancelled } from "#src/services/payments/refundPaymentWhenOrderCancelled";
import { A_PAYMENT_METHOD_ID, anEvent, fixedNow } from "../../../support/events";
import { paymentMethods } from "#src/services/payments/paymentMethods";
import { createFakePaymentGateway } from "../../../support/fakePaymentGateway";
import { createInMemoryStore, recordingPublisher } from "../../../support/inMemoryStore";

/**
 * Payments under every interleaving of OrderPlaced (charge) and OrderCancelled (refund), with crashes between any two
 * steps. The invariant in each: the gateway's net (charges − refunds) matches what payments reported, and the flow gets
 * exactly one payment outcome it can settle on.
 */
/** Customer c-1's cards as payments keeps them: the events name them by these references. */
const cards = { tok_visa: A_PAYMENT_METHOD_ID, tok_decline: `pm_${"D".repeat(32)}` } as const;
const keptCards = Object.entries(cards).map(([token, reference]) => paymentMethods.document({ reference, owner: "c-1", token, now: fixedNow }));

const placed = (token: keyof typeof cards = "tok_visa") =>
  anEvent("Orders.OrderPlaced.v2", {
    orderId: "o-1", customerId: "c-1", currency: "EUR", total: 25, paymentMethodId: cards[token], items: [{ sku: "A", quantity: 1, unitPrice: 25 }],
  }, { id: "placed-1" });
const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "Insufficient stock for A" }, { id: "cancelled-1" });

class ProcessDied extends Error {}

const setup = () => {
  const store = createInMemoryStore(keptCards);
  const publisher = recordingPublisher();
  const gateway = createFakePaymentGateway();
  const deps: ReactionDependencies<{ gateway: PaymentGateway }> = { store, publisher, ports: { gateway }, clock: () => fixedNow, backoff: async () => undefined };
  const payment = () => store.readDocument<{ id: string; pk: string; kind: string; status: string }>("payment:o-1", "o-1");
  const types = () => publisher.published.map((e) => e.type);
  const runtime = (graceInMs = 0): ServiceRuntime<PaymentsPorts> => ({
    service: "payments",
    config: {} as ServiceRuntime<PaymentsPorts>["config"],
    store,
    publisher,
    ports: { gateway, reconciliation: { graceInMs, windowInMs: 86_400_000 } },
    clock: () => new Date(fixedNow.getTime() + 3_600_000),
    ids: { newId: () => "id" },
  });
  return { store, publisher, gateway, deps, payment, types, runtime };
};

describe("payments: charge when an order is placed", () => {
  it("records the intent before calling the gateway, then the charge, and publishes PaymentConfirmed", async () => {
    const { deps, gateway, payment, types, store } = setup();
    let statusSeenByGateway: string | undefined;
    gateway.afterCharge = async () => {
      statusSeenByGateway = (await store.readDocument<{ id: string; pk: string; kind: string; status: string }>("payment:o-1", "o-1"))?.status;
    };
    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    expect(statusSeenByGateway).toBe("Charging");
    expect(await payment()).toMatchObject({ status: "Charged", chargeId: "ch_1", chargeKey: "placed-1", amount: 25 });
    expect(types()).toEqual(["Payments.PaymentConfirmed.v1"]);
    expect(gateway.net()).toBe(25);
  });

  it("records a decline and publishes PaymentFailed with code Declined", async () => {
    const { deps, payment, publisher } = setup();
    await runReaction(chargePaymentWhenOrderPlaced, placed("tok_decline"), deps);
    expect(await payment()).toMatchObject({ status: "Declined" });
    expect(publisher.published.map((e) => [e.type, (e.data as { code?: string }).code])).toEqual([["Payments.PaymentFailed.v1", "Declined"]]);
  });
});

describe("payments: the card is a reference payments keeps", () => {
  it.each([
    ["a payment method payments does not keep", `pm_${"Z".repeat(32)}`, "c-1", /is not a paymentMethod this service keeps/],
    ["the card of another customer", A_PAYMENT_METHOD_ID, "c-2", /belongs to another customer/],
  ])("declines an order naming %s without calling the gateway, saying why", async (_case, paymentMethodId, customerId, reason) => {
    const { deps, gateway, payment, publisher } = setup();
    await runReaction(chargePaymentWhenOrderPlaced, { ...placed(), data: { ...placed().data, paymentMethodId, customerId } }, deps);
    expect(gateway.charges).toHaveLength(0);
    expect(await payment()).toMatchObject({ status: "Declined" });
    expect(publisher.published.map((e) => [e.type, e.data])).toEqual([
      ["Payments.PaymentFailed.v1", { orderId: "o-1", code: "Declined", reason: expect.stringMatching(reason) }],
    ]);
  });

  it("charges the token the reference names, and stores no token with the payment", async () => {
    const { deps, gateway, store } = setup();
    const tokens: string[] = [];
    const observing: PaymentGateway = { ...gateway, charge: (request, options) => (tokens.push(request.token), gateway.charge(request, options)) };
    await runReaction(chargePaymentWhenOrderPlaced, placed(), { ...deps, ports: { gateway: observing } });
    expect(tokens).toEqual(["tok_visa"]);
    expect(JSON.stringify(await store.readDocument("payment:o-1", "o-1"))).not.toContain("tok_visa");
  });
});

describe("payments: a cancellation and a charge, in either order, with crashes in between", () => {
  it("cancellation first: reports NotCharged at once, and the late OrderPlaced charges nothing", async () => {
    const { deps, gateway, payment, publisher, types } = setup();
    await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
    expect(await payment()).toMatchObject({ status: "NotCharged" });
    expect(publisher.published.map((e) => (e.data as { code?: string }).code)).toEqual(["OrderAlreadyCancelled"]);

    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    expect(gateway.charges).toHaveLength(0);
    expect(types()).toEqual(["Payments.PaymentFailed.v1"]);
  });

  it("the process dies after the gateway charged, before the commit; the cancellation lands first: the charge is found and refunded", async () => {
    const { deps, gateway, payment, types } = setup();
    gateway.afterCharge = async () => {
      throw new ProcessDied("killed after the gateway charged");
    };
    await expect(runReaction(chargePaymentWhenOrderPlaced, placed(), deps)).rejects.toThrow(ProcessDied);
    gateway.afterCharge = undefined;
    expect(await payment()).toMatchObject({ status: "Charging" });

    await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
    expect(await payment()).toMatchObject({ status: "Refunded", chargeId: "ch_1" });
    // Event Grid redelivers the OrderPlaced that failed: nothing more is charged or published.
    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    expect(types()).toEqual(["Payments.PaymentRefunded.v1"]);
    expect(gateway.charges).toHaveLength(1);
    expect(gateway.net()).toBe(0);
  });

  it("the process dies after recording the intent, before calling the gateway: the redelivery finds nothing and reports NotCharged", async () => {
    const { deps, gateway, payment, publisher } = setup();
    const dying: PaymentGateway = { ...gateway, charge: async () => { throw new ProcessDied("killed before the call"); } };
    await expect(runReaction(chargePaymentWhenOrderPlaced, placed(), { ...deps, ports: { gateway: dying } })).rejects.toThrow(ProcessDied);

    await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
    // The charge might still be in flight: the cancellation is marked, the outcome left to whoever settles it.
    expect(await payment()).toMatchObject({ status: "CancelledBeforeCharge" });
    expect(publisher.published).toHaveLength(0);

    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    expect(gateway.charges).toHaveLength(0);
    expect(await payment()).toMatchObject({ status: "NotCharged" });
    expect(publisher.published.map((e) => (e.data as { code?: string }).code)).toEqual(["OrderAlreadyCancelled"]);
  });

  it("the cancellation lands while the charge is in flight: the charge's commit loses, its retry finds the charge and refunds it", async () => {
    const { deps, gateway, payment, types } = setup();
    let once = true;
    gateway.afterCharge = async () => {
      if (!once) return;
      once = false;
      // The gateway has charged but not answered yet; the cancellation is handled meanwhile, finds the charge, refunds
      // it and settles: the in-flight commit must not undo that.
      await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
    };
    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    expect(await payment()).toMatchObject({ status: "Refunded" });
    expect(types()).toEqual(["Payments.PaymentRefunded.v1"]);
    expect(gateway.refunds).toHaveLength(1);
    expect(gateway.net()).toBe(0);
  });

  it("the cancellation looks before the gateway has recorded the in-flight charge: marked, then the charge refunds itself", async () => {
    const { deps, gateway, payment, types } = setup();
    const slow: PaymentGateway = {
      ...gateway,
      charge: async (request, options) => {
        // The cancellation runs while our request is on the wire, before the gateway executes it.
        await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
        return gateway.charge(request, options);
      },
    };
    await runReaction(chargePaymentWhenOrderPlaced, placed(), { ...deps, ports: { gateway: slow } });
    expect(await payment()).toMatchObject({ status: "Refunded" });
    expect(types()).toEqual(["Payments.PaymentRefunded.v1"]);
    expect(gateway.net()).toBe(0);
  });

  it("the process dies after the gateway refunded, before the commit: the redelivered cancellation refunds nothing more", async () => {
    const { deps, gateway, payment, types } = setup();
    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    const dying: PaymentGateway = {
      ...gateway,
      refund: async (request, options) => {
        await gateway.refund(request, options);
        throw new ProcessDied("killed after the refund");
      },
    };
    await expect(runReaction(refundPaymentWhenOrderCancelled, cancelled, { ...deps, ports: { gateway: dying } })).rejects.toThrow(ProcessDied);
    await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
    expect(await payment()).toMatchObject({ status: "Refunded" });
    expect(gateway.refunds).toHaveLength(1);
    expect(types()).toEqual(["Payments.PaymentConfirmed.v1", "Payments.PaymentRefunded.v1"]);
  });
});

describe("payments: reconciliation with the gateway", () => {
  it("records and publishes a charge whose delivery died after the gateway charged; a second run changes nothing", async () => {
    const { deps, gateway, payment, types, runtime } = setup();
    gateway.afterCharge = async () => {
      throw new ProcessDied("killed");
    };
    await expect(runReaction(chargePaymentWhenOrderPlaced, placed(), deps)).rejects.toThrow(ProcessDied);
    const first = await reconcilePaymentsWithGateway(runtime());
    expect(first.repaired).toBe(1);
    expect(await payment()).toMatchObject({ status: "Charged", chargeId: "ch_1" });
    expect(types()).toEqual(["Payments.PaymentConfirmed.v1"]);
    const second = await reconcilePaymentsWithGateway(runtime());
    expect(second.repaired).toBe(0);
    expect(types()).toEqual(["Payments.PaymentConfirmed.v1"]);
  });

  it("refunds a charge made under our key after the order was reported NotCharged", async () => {
    const { deps, gateway, payment, types, store, runtime } = setup();
    // A duplicate delivery read the intent, the cancellation settled NotCharged, then the duplicate charged and died.
    await expect(
      runReaction(chargePaymentWhenOrderPlaced, placed(), { ...deps, ports: { gateway: { ...gateway, charge: async () => { throw new ProcessDied("x"); } } } }),
    ).rejects.toThrow(ProcessDied);
    await runReaction(refundPaymentWhenOrderCancelled, cancelled, deps);
    const marker = await payment();
    await store.commit("o-1", [{ op: "upsert", document: { ...marker!, status: "NotCharged" } }]);
    await gateway.charge({ amount: 25, currency: "EUR", token: "tok_visa", reference: "o-1" }, { idempotencyKey: "placed-1" });

    const report = await reconcilePaymentsWithGateway(runtime());
    expect(report.repaired).toBe(1);
    expect(await payment()).toMatchObject({ status: "Refunded" });
    expect(types()).toEqual(["Payments.PaymentRefunded.v1"]);
    expect(gateway.net()).toBe(0);
    expect((await reconcilePaymentsWithGateway(runtime())).repaired).toBe(0);
  });

  it("never touches a settled payment, nor a charge it has no record of (reported instead)", async () => {
    const { deps, gateway, types, runtime } = setup();
    await runReaction(chargePaymentWhenOrderPlaced, placed(), deps);
    await gateway.charge({ amount: 9, currency: "EUR", token: "tok_visa", reference: "o-unknown" }, { idempotencyKey: "someone-else" });
    const report = await reconcilePaymentsWithGateway(runtime());
    expect(report).toMatchObject({ repaired: 0, unknownCharges: ["ch_2"] });
    expect(types()).toEqual(["Payments.PaymentConfirmed.v1"]);
    expect(gateway.refunds).toHaveLength(0);
  });
});
