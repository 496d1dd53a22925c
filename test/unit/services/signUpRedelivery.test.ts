import { runReaction } from "#src/platform/reactions";
import { openWalletWhenUserSignedUp } from "#src/services/ledger/openWalletWhenUserSignedUp";
import { rememberRecipientWhenUserSignedUp } from "#src/services/notifications/rememberRecipientWhenUserSignedUp";
import { assignFreeCreditsWhenUserSignedUp } from "#src/services/rewards/assignFreeCreditsWhenUserSignedUp";
import { anEvent, fixedNow } from "../../support/events";
import { createInMemoryStore, recordingPublisher } from "../../support/inMemoryStore";

/**
 * These reactions take the document named after the signed-up user as new on a delivery's first attempt (no read);
 * a copy of the event, delivered again or re-published under a new id, must still find it and change nothing.
 */
describe("UserSignedUp delivered again: one grant, one wallet, one recipient", () => {
  const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" });
  const copies = () => [signedUp, structuredClone(signedUp), { ...structuredClone(signedUp), id: `${signedUp.id}-republished` }];

  it.each([
    ["rewards", assignFreeCreditsWhenUserSignedUp, { settings: { freeCredits: { amount: 10, currency: "EUR" as const } } }, "freeCreditsGrant", 1],
    ["ledger", openWalletWhenUserSignedUp, { settings: { walletCurrency: "EUR" as const } }, "wallet", 0],
    ["notifications", rememberRecipientWhenUserSignedUp, {}, "recipient", 0],
  ] as const)("%s: concurrently, then once more after the others", async (_service, reaction, ports, kind, events) => {
    const store = createInMemoryStore();
    const publisher = recordingPublisher();
    const deps = { store, publisher, ports, clock: () => fixedNow, backoff: async () => undefined };
    // The union of reactions does not narrow per row; each row pairs a reaction with its own ports.
    const run = (event: unknown) => runReaction(reaction as typeof assignFreeCreditsWhenUserSignedUp, event, deps as never);
    await Promise.all(copies().map(run));
    await run(structuredClone(signedUp));
    expect(store.all().filter((d) => d.kind === kind)).toHaveLength(1);
    expect(publisher.distinct()).toHaveLength(events);
    // What publishes keeps a record per delivery, to carry its events; what publishes nothing dedupes by its document.
    expect(store.all().filter((d) => d.kind === "inbox")).toHaveLength(events === 0 ? 0 : copies().length - 1);
  });
});
