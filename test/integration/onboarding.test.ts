import { CRM_REJECTED_DOMAIN } from "#dev/simulators/crm";
import { userIdForEmail } from "#src/services/users/documents";
import { TestStack, getJson, sendJson, startLocalStackForTests, waitFor } from "./support/localStack";

/**
 * User onboarding end to end: real SDK clients, the Functions host, the Event Grid emulator, the Cosmos server, and
 * the mailbox / CRM / bank simulators behind the real HTTP adapters. The simulators are the stack's own, reached over
 * HTTP like a user would (the CRM outage switch included).
 */
describe("user onboarding on the local stack", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startLocalStackForTests();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  let counter = 0;
  const newEmail = (domain = "example.com") => `user-${Date.now().toString(36)}-${counter++}@${domain}`;
  const signUp = async (email: string, name = "Ada Lovelace") => {
    const response = await sendJson("POST", `${stack.apiUrl}/users`, { email, name });
    expect(response.status).toBe(202);
    return response.body as { userId: string; correlationId: string };
  };
  const userOf = async (userId: string) => (await getJson(`${stack.apiUrl}/users/${userId}`)).body;
  const onboarded = (userId: string, timeoutInMs = 30_000) =>
    waitFor(async () => {
      const user = await userOf(userId);
      return user?.status === "Onboarded" ? user : undefined;
    }, { description: `user ${userId} onboarded`, timeoutInMs });
  const mailTo = async (address: string) => (await getJson(`${stack.devUrl}/dev/mailbox?to=${encodeURIComponent(address)}`)).body as any[];
  const contact = async (userId: string) => (await getJson(`${stack.devUrl}/dev/crm/contacts/${userId}`)).body;
  const walletOf = async (walletId: string) => getJson(`${stack.apiUrl}/wallets/${walletId}`);
  const flowOf = async (correlationId: string) => (await getJson(`${stack.apiUrl}/flows/${correlationId}`)).body as { events: any[]; poison: unknown[] | null };

  it("onboards a new user: one welcome email, one CRM contact, 10.00 EUR of free credits, the flow journaled", async () => {
    const email = newEmail();
    const { userId, correlationId } = await signUp(email);
    const user = await onboarded(userId);
    expect(user).toEqual({ userId, email, name: "Ada Lovelace", status: "Onboarded", onboarding: { welcomeEmail: "Sent", crm: "Added", credits: "Assigned" } });

    const mails = await mailTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject: "Welcome aboard", to: { address: email, displayName: "Ada Lovelace" }, submissions: 1 });
    expect(await contact(userId)).toMatchObject({ contactId: userId, email, upserts: 1 });
    const wallet = await waitFor(async () => {
      const w = await walletOf(userId);
      return w.body?.entries?.length === 1 ? w.body : undefined;
    }, { description: "free credits in the wallet" });
    expect(wallet).toMatchObject({ walletId: userId, balance: 10, currency: "EUR", entries: [{ amount: 10, reason: "FreeCredits" }] });

    // The journal hears each event on its own delivery, in any order (a lost race on the flow's summary is retried),
    // so wait for all of them rather than for the last one the flow itself produces.
    const expected = ["Email.WelcomeEmailSent.v1", "Crm.ContactAdded.v1", "Rewards.FreeCreditsAssigned.v1", "Users.UserOnboarded.v1", "Wallet.WalletCredited.v1"];
    const flow = await waitFor(async () => {
      const f = await flowOf(correlationId);
      return expected.every((type) => f?.events?.some((e) => e.type === type)) ? f : undefined;
    }, { description: "onboarding flow journaled" });
    const types = flow.events.map((e) => e.type);
    expect(types[0]).toBe("Users.UserSignedUp.v1");
    expect(types).toEqual(expect.arrayContaining(expected));
    expect(types.filter((t) => t === "Users.UserOnboarded.v1")).toHaveLength(1);
    // The wallet entry names the event that caused it: the free-credit grant of this flow.
    const grant = flow.events.find((e) => e.type === "Rewards.FreeCreditsAssigned.v1");
    expect(wallet.entries[0].causationid).toBe(grant.id);
  });

  it("answers 409 to a second sign-up with the same email, in any letter case", async () => {
    const email = newEmail();
    await signUp(email);
    const again = await sendJson("POST", `${stack.apiUrl}/users`, { email: email.toUpperCase(), name: "Impostor" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("USER.EMAIL_TAKEN");
  });

  it("changes nothing when every event of the flow is delivered twice: no second email, contact, credit or UserOnboarded", async () => {
    const email = newEmail();
    const { userId, correlationId } = await signUp(email);
    await onboarded(userId);
    const flow = await waitFor(async () => {
      const f = await flowOf(correlationId);
      return f?.events?.length >= 6 ? f : undefined;
    }, { description: "whole onboarding flow journaled" });
    const walletBefore = (await walletOf(userId)).body;

    await stack.deliverAgain(flow.events);

    // Each copy really went through to its subscribers (a second successful delivery), not dropped on the way.
    const delivered = stack.stack.eventGrid.deliveries().filter((d) => d.outcome === "Succeeded" && d.eventId === flow.events[0].id);
    expect(delivered.length).toBeGreaterThanOrEqual(2 * 6); // UserSignedUp: email, crm, rewards, ledger, notifications, journal
    expect(await mailTo(email)).toEqual([expect.objectContaining({ submissions: 1 })]);
    expect(await contact(userId)).toMatchObject({ upserts: 1 });
    expect((await walletOf(userId)).body).toEqual(walletBefore);
    expect((await userOf(userId)).status).toBe("Onboarded");
    expect((await flowOf(correlationId)).events).toHaveLength(flow.events.length);
    // The copies were handled as duplicates, not refused as poison (the journal's redacted copies would be).
    expect((await flowOf(correlationId)).poison).toEqual([]);
  });

  it("completes onboarding after a CRM outage, once the CRM is back", async () => {
    const setOutage = (down: boolean) => sendJson("PUT", `${stack.devUrl}/dev/crm/outage`, { down });
    await setOutage(true);
    let userId = "";
    try {
      const refusedBefore = (await getJson(`${stack.devUrl}/dev/crm/outage`)).body.refusedWhileDown as number;
      ({ userId } = await signUp(newEmail()));
      // Email and credits go ahead; the CRM step waits, retried by Event Grid, and the user is not onboarded.
      await waitFor(async () => {
        const user = await userOf(userId);
        const refused = (await getJson(`${stack.devUrl}/dev/crm/outage`)).body.refusedWhileDown as number;
        return user?.onboarding?.welcomeEmail === "Sent" && user.onboarding.credits === "Assigned" && refused >= refusedBefore + 2 ? user : undefined;
      }, { description: "CRM refused at least twice while the other steps completed" });
      expect(await userOf(userId)).toMatchObject({ status: "Onboarding", onboarding: { crm: "Pending" } });
    } finally {
      await setOutage(false);
    }
    const user = await onboarded(userId, 60_000);
    expect(user.onboarding.crm).toBe("Added");
    expect(await contact(userId)).toMatchObject({ upserts: 1 });
  }, 90_000);

  it("completes onboarding when the CRM rejects the contact for good, recording the CRM as failed", async () => {
    const { userId } = await signUp(newEmail(CRM_REJECTED_DOMAIN));
    const user = await onboarded(userId);
    expect(user.onboarding).toEqual({ welcomeEmail: "Sent", crm: "Failed", credits: "Assigned" });
  });

  it("refuses malformed and hostile sign-ups with a 4xx naming the reason, and creates no user", async () => {
    const email = newEmail();
    const cases: [unknown, number, RegExp][] = [
      ["{not json", 400, /JSON/],
      [{ email: 42, name: true }, 400, /email[\s\S]*name|name[\s\S]*email/],
      [{ email: "not-an-email", name: "X" }, 400, /email/],
      [{ email, name: "" }, 400, /name/],
      [{ email, name: "A".repeat(1_000) }, 400, /name/],
      [{ email: `${"a".repeat(5_000)}@example.com`, name: "X" }, 400, /email/],
      [{ email, name: "X\u0000" }, 400, /control/],
      [{ email, name: "A".repeat(70_000) }, 413, /exceeds/],
      [{ email, name: "X", isAdmin: true }, 400, /isAdmin|Unrecognized/i],
      [[email, "X"], 400, /object/i],
    ];
    for (const [body, status, reason] of cases) {
      const response = await sendJson("POST", `${stack.apiUrl}/users`, body);
      expect({ body: JSON.stringify(body).slice(0, 60), status: response.status }).toEqual({ body: JSON.stringify(body).slice(0, 60), status });
      expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(response.body)).toMatch(reason);
    }
    await stack.stack.eventGrid.idle(10_000);
    expect((await getJson(`${stack.apiUrl}/users/${userIdForEmail(email)}`)).status).toBe(404);
    expect(await mailTo(email)).toEqual([]);
    expect((await getJson(`${stack.apiUrl}/users/not%20an%20id`)).status).toBe(400);
  });
});
