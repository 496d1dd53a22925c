import { rewardsService } from "#src/services/rewards";
import { FreeCreditsGrantDocument, assignFreeCredits, freeCreditsGrantId } from "#src/services/rewards/assignFreeCreditsWhenUserSignedUp";
import { anEvent, decisionContext, fixedNow } from "../../../support/events";

const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" });
const offer = { amount: 10, currency: "EUR" as const };

describe("rewards: assign free credits when a user signs up", () => {
  it("given no grant yet, records one and publishes FreeCreditsAssigned for the user's wallet", () => {
    const decision = assignFreeCredits(signedUp, { grant: undefined, offer }, decisionContext());
    const grantId = freeCreditsGrantId("u-1");
    expect(decision.changes).toEqual([
      {
        put: { id: "grant:u-1", pk: "u-1", kind: "freeCreditsGrant", userId: "u-1", grantId, amount: 10, currency: "EUR", assignedAt: fixedNow.toISOString() },
      },
    ]);
    expect(decision.publish).toEqual([
      { type: "Rewards.FreeCreditsAssigned.v1", subject: "users/u-1", data: { userId: "u-1", walletId: "u-1", grantId, amount: 10, currency: "EUR" } },
    ]);
  });

  it("given the user already has the grant, does nothing", () => {
    const grant: FreeCreditsGrantDocument = { id: "grant:u-1", pk: "u-1", kind: "freeCreditsGrant", userId: "u-1", grantId: "g", amount: 10, currency: "EUR", assignedAt: "t" };
    expect(assignFreeCredits(signedUp, { grant, offer }, decisionContext())).toEqual({ changes: [], publish: [] });
  });

  it("grants what the setting offers", () => {
    const decision = assignFreeCredits(signedUp, { grant: undefined, offer: { amount: 2.5, currency: "USD" } }, decisionContext());
    expect(decision.publish[0]?.data).toMatchObject({ amount: 2.5, currency: "USD" });
  });

  it("derives one grant id per user, whatever event asks", () => {
    expect(freeCreditsGrantId("u-1")).toBe(freeCreditsGrantId("u-1"));
    expect(freeCreditsGrantId("u-1")).not.toBe(freeCreditsGrantId("u-2"));
  });
});

describe("rewards settings", () => {
  const create = (env: NodeJS.ProcessEnv) => rewardsService.createPorts(env, () => {
    throw new Error("unused");
  });

  it("defaults to 10.00 EUR", () => {
    expect(create({}).settings.freeCredits).toEqual({ amount: 10, currency: "EUR" });
  });

  it("reads FREE_CREDITS_AMOUNT and FREE_CREDITS_CURRENCY", () => {
    expect(create({ FREE_CREDITS_AMOUNT: "5.50", FREE_CREDITS_CURRENCY: "GBP" }).settings.freeCredits).toEqual({ amount: 5.5, currency: "GBP" });
  });

  it.each([["FREE_CREDITS_AMOUNT", "ten"], ["FREE_CREDITS_AMOUNT", "1.234"], ["FREE_CREDITS_AMOUNT", "-1"], ["FREE_CREDITS_CURRENCY", "XXX"]])(
    "refuses %s=%s naming the setting",
    (name, value) => {
      expect(() => create({ [name]: value })).toThrow(new RegExp(name));
    },
  );
});
