import { createKeyedQueue } from "#src/platform/partitionQueue";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createKeyedQueue: one task at a time per key, in arrival order", () => {
  it("runs tasks of one key one after another, and of different keys at once", async () => {
    const queue = createKeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([queue.run("a", task("a1")), queue.run("b", task("b1")), queue.run("a", task("a2"))]);
    expect(results).toEqual(["a1", "b1", "a2"]);
    expect(log.indexOf("a2 start")).toBeGreaterThan(log.indexOf("a1 end"));
    expect(log.indexOf("b1 start")).toBeLessThan(log.indexOf("a1 end"));
  });

  it("runs the next task after one that failed, and hands each caller its own outcome", async () => {
    const queue = createKeyedQueue();
    const failed = queue.run("a", async () => {
      throw new Error("boom");
    });
    const next = queue.run("a", async () => "ran");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ran");
  });
});
