import { apiReplies, parseReply } from "#dev/apiReplies";

describe("the dev tools read the stack's answers through schemas", () => {
  it("keeps the fields nobody declared and returns the declared ones typed", () => {
    const order = parseReply(apiReplies.orderAccepted, { orderId: "o-1", correlationId: "f-1", extra: true }, "POST /orders");
    expect(order).toEqual({ orderId: "o-1", correlationId: "f-1", extra: true });
  });

  it("fails naming the call and the field when an answer changed shape", () => {
    expect(() => parseReply(apiReplies.topUpAccepted, { topUpId: 42, correlationId: "f-1" }, "POST /wallets/w-1/top-ups")).toThrow(
      /^POST \/wallets\/w-1\/top-ups: unexpected answer \(.*topUpId.*\): \{"topUpId":42/,
    );
    expect(() => parseReply(apiReplies.charges, undefined, "GET /dev/payments/charges")).toThrow(/GET \/dev\/payments\/charges: unexpected answer .*: undefined$/);
  });

  it("reads the host a kill answered with, killed now or armed for its next call", () => {
    expect(parseReply(apiReplies.killedHost, { killed: { pid: 7, state: "down" }, when: "now" }, "kill")).toEqual({ pid: 7, state: "down" });
    expect(parseReply(apiReplies.killedHost, { armed: { pid: null }, when: "nextCall" }, "kill")).toEqual({ pid: null });
    expect(() => parseReply(apiReplies.killedHost, { when: "now" }, "kill payments")).toThrow(/^kill payments: unexpected answer/);
  });
});
