import { getUser } from "#src/services/users/getUserHttp";
import { signUpUser } from "#src/services/users/signUpUserHttp";
import { userIdForEmail } from "#src/services/users/documents";
import { fixedNow } from "../../../support/events";
import { callHttp, testRuntime } from "./httpHarness";

const signUp = (body: unknown, rt = testRuntime("users", {})) =>
  callHttp(signUpUser, { method: "POST", url: "http://localhost/api/users", body }, rt.runtime).then((response) => ({ response, ...rt }));

describe("POST /api/users", () => {
  it("accepts a sign-up: user and UserSignedUp committed together, then published; 202 with ids", async () => {
    const { response, store, publisher } = await signUp({ email: "  Ada@Example.COM ", name: " Ada Lovelace " });
    const userId = userIdForEmail("ada@example.com");
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ userId, correlationId: expect.any(String) });
    expect(store.commits).toHaveLength(2); // user + outbox, then the outbox marked sent
    expect(store.commits[0]?.writes.map((w) => (w.op === "delete" ? "delete" : `${w.op}:${w.document.kind}`))).toEqual(["create:user", "create:outbox"]);
    expect(publisher.published).toEqual([
      expect.objectContaining({
        type: "Users.UserSignedUp.v1",
        correlationid: response.body.correlationId,
        time: fixedNow.toISOString(),
        data: { userId, email: "ada@example.com", name: "Ada Lovelace" },
      }),
    ]);
  });

  it("answers 409 to a second sign-up with the same email in any case, and writes nothing more", async () => {
    const first = await signUp({ email: "ada@example.com", name: "Ada" });
    const commitsBefore = first.store.commits.length;
    const second = await callHttp(signUpUser, { method: "POST", url: "http://localhost/api/users", body: { email: "ADA@example.com", name: "Other" } }, first.runtime);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: "USER.EMAIL_TAKEN", status: 409 });
    expect(first.store.commits).toHaveLength(commitsBefore);
    expect(first.publisher.published).toHaveLength(1);
  });

  it.each([
    ["a missing name", { email: "ada@example.com" }, ["name"]],
    ["a wrong type", { email: 42, name: ["Ada"] }, ["email", "name"]],
    ["an invalid email", { email: "not-an-email", name: "Ada" }, ["email"]],
    ["a huge email", { email: `${"a".repeat(10_000)}@example.com`, name: "Ada" }, ["email"]],
    ["a huge name", { email: "ada@example.com", name: "A".repeat(5_000) }, ["name"]],
    ["a blank name", { email: "ada@example.com", name: "   " }, ["name"]],
    ["control characters in the name", { email: "ada@example.com", name: "Ada\r\nBcc: all@example.com" }, ["name"]],
    ["an unknown field", { email: "ada@example.com", name: "Ada", admin: true }, ["(body)"]],
    ["not an object", [1, 2], ["(body)"]],
  ])("refuses %s with 400 problem+json naming the fields, and writes nothing", async (_what, body, fields) => {
    const { response, store, publisher } = await signUp(body);
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ "content-type": expect.stringContaining("application/problem+json") });
    expect(response.body.code).toBe("REQUEST.INVALID");
    expect(response.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(fields);
    expect(store.all()).toEqual([]);
    expect(publisher.published).toEqual([]);
  });

  it("refuses a body over 64 KB with 413 before parsing it", async () => {
    const { response, store } = await signUp({ email: "ada@example.com", name: "A".repeat(70_000) });
    expect(response.status).toBe(413);
    expect(store.all()).toEqual([]);
  });

  it("refuses a body that is not JSON", async () => {
    const { response, store } = await signUp("{ not json");
    expect(response.status).toBe(400);
    expect(store.all()).toEqual([]);
  });
});

describe("GET /api/users/{userId}", () => {
  it("shows the user with the onboarding steps", async () => {
    const { response: created, runtime } = await signUp({ email: "ada@example.com", name: "Ada" });
    const response = await callHttp(getUser, { method: "GET", url: "http://localhost/api/users/x", params: { userId: created.body.userId } }, runtime);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      userId: created.body.userId,
      email: "ada@example.com",
      name: "Ada",
      status: "Onboarding",
      onboarding: { welcomeEmail: "Pending", crm: "Pending", credits: "Pending" },
    });
  });

  it("answers 404 for an unknown user and 400 for a malformed id", async () => {
    const { runtime } = testRuntime("users", {});
    const unknown = await callHttp(getUser, { method: "GET", url: "http://localhost/api/users/nobody", params: { userId: "nobody" } }, runtime);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("USER.NOT_FOUND");
    const malformed = await callHttp(getUser, { method: "GET", url: "http://localhost/api/users/x", params: { userId: "../etc" } }, runtime);
    expect(malformed.status).toBe(400);
  });
});
