import { childTraceParent } from "../src/invoker";

describe("the local host's traceparent for an invocation", () => {
  it("keeps the caller's trace and gives every invocation a span id of its own, across refills of the random pool", () => {
    const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const children = Array.from({ length: 2_000 }, () => childTraceParent(parent)); // 16 KB of span ids: 4 refills
    for (const child of children) expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(new Set(children.map((c) => c.split("-")[2])).size).toBe(children.length);
  });

  it("starts a new trace when the caller sent none or a malformed one", () => {
    const roots = [undefined, "garbage", "00-XYZ-b7ad6b7169203331-01"].map(childTraceParent);
    for (const root of roots) expect(root).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(new Set(roots.map((r) => r.split("-")[1])).size).toBe(3);
  });
});
