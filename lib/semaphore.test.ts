import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore";

const tick = () => new Promise((r) => setImmediate(r));

describe("Semaphore", () => {
  it("holds at most `limit` permits and serves waiters first in, first out", async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    await Promise.all([0, 1].map(async () => releases.push(await s.acquire())));
    const waiting = [2, 3, 4].map((n) =>
      s.acquire().then((release) => {
        order.push(n);
        releases.push(release);
      }),
    );
    await tick();
    expect(s.inUse).toBe(2);
    expect(s.waiting).toBe(3);
    releases.shift()!();
    await tick();
    expect(order).toEqual([2]);
    releases.shift()!();
    releases.shift()!();
    await Promise.all(waiting);
    expect(order).toEqual([2, 3, 4]);
    expect(s.peak).toBe(2);
  });

  it("a release is idempotent", async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    release();
    release();
    expect(s.inUse).toBe(0);
    const again = await s.acquire();
    expect(s.inUse).toBe(1);
    again();
  });

  it("a waiting caller can be cancelled: it leaves the queue, the others keep their turn", async () => {
    const s = new Semaphore(1);
    const first = await s.acquire();
    const abort = new AbortController();
    const cancelled = s.acquire(abort.signal);
    const next = s.acquire();
    abort.abort(new Error("stop waiting"));
    await expect(cancelled).rejects.toThrow("stop waiting");
    expect(s.waiting).toBe(1);
    first();
    const release = await next;
    expect(s.inUse).toBe(1);
    release();
    await expect(s.acquire(AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });

  it("run() bounds a wide fan-out", async () => {
    const s = new Semaphore(3);
    let active = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        s.run(async () => {
          active++;
          max = Math.max(max, active);
          await new Promise((r) => setTimeout(r, 1));
          active--;
        }),
      ),
    );
    expect(max).toBe(3);
    expect(s.inUse).toBe(0);
  });
});
