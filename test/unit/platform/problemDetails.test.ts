import { problemFromError } from "../../../src/platform/http";
import { ConcurrencyConflictError, NotFoundError } from "../../../src/platform/errors";

describe("HTTP problem details", () => {
  it("maps coded errors to their status, hot resources to 503 with Retry-After, anything else to a bare 500", () => {
    expect(problemFromError(new NotFoundError("ORDER.NOT_FOUND", "Order x does not exist"))).toMatchObject({
      status: 404, jsonBody: { code: "ORDER.NOT_FOUND", detail: "Order x does not exist" }, headers: { "content-type": expect.stringMatching(/problem\+json/) },
    });
    expect(problemFromError(new ConcurrencyConflictError("x"))).toMatchObject({ status: 503, headers: { "retry-after": "1" } });
    const internal = problemFromError(new Error("secret connection string in a stack"));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.jsonBody)).not.toMatch(/secret/);
  });
});
