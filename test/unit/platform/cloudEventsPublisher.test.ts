import type { AccessToken, TokenCredential } from "@azure/identity";
import {
  EVENT_GRID_SCOPE,
  EventGridPublishError,
  MAX_EVENTS_PER_REQUEST,
  PublishAnswer,
  PublishTransport,
  TOKEN_REFRESH_MARGIN_IN_MS,
  createCloudEventsTopicSender,
  createTokenCache,
  serializeInRequests,
} from "#src/platform/cloudEventsPublisher";
import { CloudEventEnvelope } from "#src/events/envelope";

const envelope = (id: string, data: unknown = { orderId: "o" }): CloudEventEnvelope => ({
  specversion: "1.0", id, source: "/services/orders", type: "Orders.OrderConfirmed.v1", subject: "orders/o", time: "2026-01-01T00:00:00.000Z",
  correlationid: "flow", causationid: "cause", traceparent: "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01", data,
});

const answering = (status = 200, text = "") =>
  jest.fn(async (_url: URL, _request: Parameters<PublishTransport>[1]): Promise<PublishAnswer> => ({ status, text }));
type TransportMock = ReturnType<typeof answering>;
const requestOf = (transport: TransportMock, call = 0) => {
  const [url, request] = transport.mock.calls[call]!;
  return { url: String(url), headers: request.headers, body: JSON.parse(request.body) as any[], timeoutInMs: request.timeoutInMs };
};

const credentialGiving = (...tokens: AccessToken[]) => {
  const getToken = jest.fn<Promise<AccessToken | null>, [string | string[]]>();
  for (const token of tokens) getToken.mockResolvedValueOnce(token);
  return { credential: { getToken } as unknown as TokenCredential, getToken };
};

describe("thin CloudEvents publisher", () => {
  it("posts one batch with the CloudEvents as they are, extensions at top level, the topic key in aeg-sas-key", async () => {
    const transportMock = answering();
    const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "http://127.0.0.1:9/orders/api/events", auth: { kind: "key", key: "k1" }, transport: transportMock, now: () => 1_000 });
    await sender.sendEvents([envelope("1"), envelope("2")]);
    expect(transportMock).toHaveBeenCalledTimes(1);
    const { url, headers, body } = requestOf(transportMock);
    expect(url).toBe("http://127.0.0.1:9/orders/api/events?api-version=2018-01-01");
    expect(headers).toEqual({ "content-type": "application/cloudevents-batch+json; charset=utf-8", "aeg-sas-key": "k1" });
    expect(requestOf(transportMock).timeoutInMs).toBe(10_000);
    expect(body).toEqual([
      { ...envelope("1"), datacontenttype: "application/json" },
      { ...envelope("2"), datacontenttype: "application/json" },
    ]);
  });

  it("passes the caller's abort signal on, so a cancelled delivery stops its publish", async () => {
    const transportMock = answering();
    const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "key", key: "k" }, transport: transportMock });
    const controller = new AbortController();
    await sender.sendEvents([envelope("1")], { abortSignal: controller.signal });
    expect(transportMock.mock.calls[0]![1].signal).toBe(controller.signal);
  });

  it("splits what exceeds Event Grid's request limits (5,000 events, 1 MB) and refuses an event over 1 MB", () => {
    expect(serializeInRequests(Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, (_, i) => envelope(String(i))))).toHaveLength(2);
    const big = "x".repeat(400 * 1024);
    const bodies = serializeInRequests([envelope("a", big), envelope("b", big), envelope("c", big)]);
    expect(bodies.map((b) => (JSON.parse(b) as { id: string }[]).map((e) => e.id))).toEqual([["a", "b"], ["c"]]);
    expect(bodies.every((b) => Buffer.byteLength(b) <= 1024 * 1024)).toBe(true);
    expect(() => serializeInRequests([envelope("huge", "x".repeat(1024 * 1024))])).toThrow(/at most 1 MB/);
  });

  it("tries a 503 three times, then throws with the status and the start of the body, so the delivery is retried", async () => {
    const transport = answering(503, "busy ".repeat(200));
    const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "key", key: "k" }, transport });
    const error = await sender.sendEvents([envelope("1")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventGridPublishError);
    expect(error).toMatchObject({ statusCode: 503, code: "EVENTGRID.PUBLISH_FAILED" });
    expect((error as Error).message).toMatch(/^Event Grid answered 503 to a publish to topic orders after 3 attempts: busy busy/);
    expect((error as Error).message.length).toBeLessThan(400);
    expect(transport).toHaveBeenCalledTimes(3);
    // The same body every time: the same events, under the same ids.
    expect(new Set(transport.mock.calls.map(([, request]) => request.body)).size).toBe(1);
  });

  it("does not try a refusal again (400, 401, 413): only 408, 429 and 5xx may pass", async () => {
    for (const status of [400, 401, 413]) {
      const transport = answering(status, "no");
      const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "key", key: "k" }, transport });
      await expect(sender.sendEvents([envelope("1")])).rejects.toMatchObject({ statusCode: status });
      expect(transport).toHaveBeenCalledTimes(1);
    }
  });

  it("says which authentication was used when Event Grid answers 401 or 403", async () => {
    const keyed = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "key", key: "k" }, transport: answering(401, "bad key") });
    await expect(keyed.sendEvents([envelope("1")])).rejects.toThrow(/401 .*authenticated with aeg-sas-key.*bad key/);
    const { credential } = credentialGiving({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 });
    const entra = createCloudEventsTopicSender({ topic: "users", endpoint: "https://t.example/api/events", auth: { kind: "entra", credential }, transport: answering(403, "no role") });
    await expect(entra.sendEvents([envelope("1")])).rejects.toThrow(/403 .*authenticated with Microsoft Entra token.*no role/);
  });

  it("turns a connection failure or a timeout into a publish error with no status, so the delivery is retried", async () => {
    const refused = jest.fn(async (_url: URL, _request: Parameters<PublishTransport>[1]): Promise<PublishAnswer> => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:9");
    });
    const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "key", key: "k" }, transport: refused, timeoutInMs: 20, now: () => 1_000 });
    await expect(sender.sendEvents([envelope("1")])).rejects.toMatchObject({ statusCode: undefined, message: expect.stringMatching(/orders failed: connect ECONNREFUSED/) });
    expect(refused.mock.calls[0]![1].timeoutInMs).toBe(20);
  });

  it("gives every attempt only the time left of one deadline, and tries no more when too little is left", async () => {
    let clock = 0;
    const slow503 = jest.fn(async (_url: URL, _request: Parameters<PublishTransport>[1]): Promise<PublishAnswer> => {
      clock += 400;
      return { status: 503, text: "busy" };
    });
    const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "key", key: "k" }, transport: slow503, timeoutInMs: 1_000, now: () => clock });
    await expect(sender.sendEvents([envelope("1")])).rejects.toMatchObject({ statusCode: 503, message: expect.stringMatching(/after 2 attempts/) });
    expect(slow503.mock.calls.map(([, request]) => request.timeoutInMs)).toEqual([1_000, 600]);
  });

  it("sends a bearer token for Event Grid's scope in Azure, asking the credential once while the token is fresh", async () => {
    let now = 1_000_000;
    const { credential, getToken } = credentialGiving(
      { token: "first", expiresOnTimestamp: now + 60 * 60_000 },
      { token: "second", expiresOnTimestamp: now + 120 * 60_000 },
    );
    const transportMock = answering();
    const sender = createCloudEventsTopicSender({ topic: "orders", endpoint: "https://t.example/api/events", auth: { kind: "entra", credential }, transport: transportMock, now: () => now });
    await sender.sendEvents([envelope("1")]);
    await sender.sendEvents([envelope("2")]);
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(getToken).toHaveBeenCalledWith(EVENT_GRID_SCOPE);
    expect(requestOf(transportMock, 1).headers).toMatchObject({ authorization: "Bearer first" });
    expect(requestOf(transportMock, 1).headers["aeg-sas-key"]).toBeUndefined();
    now += 60 * 60_000 - TOKEN_REFRESH_MARGIN_IN_MS; // inside the refresh margin
    await sender.sendEvents([envelope("3")]);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(requestOf(transportMock, 2).headers).toMatchObject({ authorization: "Bearer second" });
  });

  it("token cache: concurrent callers share one refresh; a failed refresh keeps a still-valid token, else throws", async () => {
    let now = 0;
    let release: (token: AccessToken) => void = () => undefined;
    const getToken = jest.fn(() => new Promise<AccessToken>((resolve) => (release = resolve)));
    const tokens = createTokenCache({ getToken }, EVENT_GRID_SCOPE, () => now);
    const waiting = Promise.all([tokens(), tokens(), tokens()]);
    await new Promise((resolve) => setImmediate(resolve));
    release({ token: "a", expiresOnTimestamp: 60 * 60_000 });
    expect(await waiting).toEqual(["a", "a", "a"]);
    expect(getToken).toHaveBeenCalledTimes(1);

    now = 60 * 60_000 - TOKEN_REFRESH_MARGIN_IN_MS + 1;
    getToken.mockImplementationOnce(() => Promise.reject(new Error("IMDS down")));
    expect(await tokens()).toBe("a");
    now = 60 * 60_000;
    getToken.mockImplementationOnce(() => Promise.reject(new Error("IMDS down")));
    await expect(tokens()).rejects.toThrow(/No Microsoft Entra token .*IMDS down/);
  });

  it("token cache: a credential that throws outright (no managed identity) fails the publish with a publish error", async () => {
    const getToken = jest.fn(() => {
      throw new Error("ManagedIdentityCredential: no identity");
    });
    const tokens = createTokenCache({ getToken }, EVENT_GRID_SCOPE);
    await expect(tokens()).rejects.toThrow(EventGridPublishError);
    await expect(tokens()).rejects.toThrow(/no identity/);
    expect(getToken).toHaveBeenCalledTimes(2);
  });

  it("honours the credential's refresh hint before the expiry margin", async () => {
    let now = 0;
    const getToken = jest.fn()
      .mockResolvedValueOnce({ token: "a", expiresOnTimestamp: 24 * 3_600_000, refreshAfterTimestamp: 1_000 })
      .mockResolvedValueOnce({ token: "b", expiresOnTimestamp: 48 * 3_600_000 });
    const tokens = createTokenCache({ getToken }, EVENT_GRID_SCOPE, () => now);
    expect(await tokens()).toBe("a");
    now = 1_000;
    expect(await tokens()).toBe("b");
  });
});
