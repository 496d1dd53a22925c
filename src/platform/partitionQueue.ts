/**
 * Runs tasks one at a time per key, each after the one queued before it, whether that succeeded or failed. A key with
 * nothing queued holds no memory. Process-local: it spares a process's own deliveries from racing each other, while
 * the store's ETags keep deciding between processes.
 */
export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export const createKeyedQueue = (): KeyedQueue => {
  /** Per key, the end of the last queued task; it never rejects. */
  const tails = new Map<string, Promise<void>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const result = (tails.get(key) ?? Promise.resolve()).then(task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
};
