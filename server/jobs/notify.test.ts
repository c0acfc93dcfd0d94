/**
 * The in-process wake-up of run event streams: a signal wakes a waiting stream at once, a signal that arrived
 * while the stream was busy is not lost, the poll interval stays the upper bound, other runs are not woken, and
 * closed subscriptions leave nothing behind.
 */
import { describe, expect, it } from "vitest";
import { notifyRunEvents, runEventListenerState, runEventSubscriberCount, subscribeRunEvents } from "./notify";

const elapsed = async (p: Promise<unknown>) => {
  const t0 = performance.now();
  await p;
  return performance.now() - t0;
};

describe("run event notifier", () => {
  it("wakes a waiting stream at once, and only the streams of that run", async () => {
    const a = subscribeRunEvents("run_notify_a");
    const b = subscribeRunEvents("run_notify_b");
    // server mode: the first subscription opens the listening connection, which wakes every stream once it listens
    // (signals may have been missed before); let that happen and consume it first
    for (let i = 0; i < 200 && runEventListenerState() === "connecting"; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all([a.wait(1), b.wait(1)]);
    let bWoke = false;
    const bWait = b.wait(300).then(() => (bWoke = true));
    const aWait = a.wait(5_000);
    setTimeout(() => notifyRunEvents("run_notify_a"), 10);
    expect(await elapsed(aWait)).toBeLessThan(1_000);
    expect(bWoke).toBe(false);
    await bWait; // the poll interval still bounds the wait
    expect(bWoke).toBe(true);
    a.close();
    b.close();
  });

  it("remembers a signal that arrived between two waits", async () => {
    const sub = subscribeRunEvents("run_notify_c");
    notifyRunEvents("run_notify_c"); // e.g. while the stream was reading
    expect(await elapsed(sub.wait(5_000))).toBeLessThan(50);
    // consumed: the next wait lasts until the timeout
    expect(await elapsed(sub.wait(60))).toBeGreaterThanOrEqual(50);
    sub.close();
  });

  it("ends a wait on abort and on close; closed subscriptions are removed", async () => {
    const sub = subscribeRunEvents("run_notify_d");
    const other = subscribeRunEvents("run_notify_d");
    expect(runEventSubscriberCount("run_notify_d")).toBe(2);
    const abort = new AbortController();
    const waiting = sub.wait(5_000, abort.signal);
    abort.abort();
    expect(await elapsed(waiting)).toBeLessThan(1_000);
    const closing = other.wait(5_000);
    other.close();
    expect(await elapsed(closing)).toBeLessThan(1_000);
    sub.close();
    expect(runEventSubscriberCount("run_notify_d")).toBe(0);
    notifyRunEvents("run_notify_d"); // nobody listens: a no-op
  });
});
