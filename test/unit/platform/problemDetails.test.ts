import { problemFromError } from "#src/platform/http";
import { ConcurrencyConflictError, NotFoundError } from "#src/platform/errors";

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

  it("answers 503 with Retry-After when the store is throttled, unavailable, timed out or the connection failed", () => {
    // Shapes as @azure/cosmos throws them: an ErrorResponse carries the HTTP status as `code`; a failed connection
    // comes up from its HTTP pipeline as a RestError with Node's error code.
    const transient = [
      Object.assign(new Error("Request rate is large"), { code: 429 }),
      Object.assign(new Error("Service unavailable"), { code: 503 }),
      Object.assign(new Error("Timeout Error! Request took more than 60000 ms"), { code: 408 }),
      Object.assign(new Error("read ECONNRESET"), { name: "RestError", code: "ECONNRESET" }),
      Object.assign(new Error("socket hang up"), { name: "RestError", code: "REQUEST_SEND_ERROR" }),
    ];
    for (const error of transient) {
      expect(problemFromError(error)).toMatchObject({ status: 503, jsonBody: { code: "DEPENDENCY.UNAVAILABLE" }, headers: { "retry-after": "1" } });
    }
    for (const error of [Object.assign(new Error("Bad request"), { code: 400 }), Object.assign(new Error("nope"), { code: "ERR_INVALID_ARG_TYPE" })]) {
      expect(problemFromError(error).status).toBe(500);
    }
  });
});
