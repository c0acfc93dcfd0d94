/**
 * A counting semaphore with a fair (first in, first out) queue: `acquire()` resolves with a release function once
 * one of `limit` permits is free; waiters are served in the order they arrived. A wait is cancellable with an
 * AbortSignal (the waiter leaves the queue and the promise rejects with the signal's reason). `release` is
 * idempotent. Used to bound the steps of one run in flight and the model calls of one process.
 */
interface Waiter {
  grant: (release: () => void) => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

export class Semaphore {
  private active = 0;
  private readonly queue: Waiter[] = [];
  /** the most permits ever held at once (observability, tests) */
  peak = 0;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError("A semaphore needs at least one permit");
  }

  /** permits held now */
  get inUse(): number {
    return this.active;
  }

  /** callers waiting for a permit */
  get waiting(): number {
    return this.queue.length;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit && this.queue.length === 0) return Promise.resolve(this.grant());
    return new Promise<() => void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = { grant: resolve, reject, cleanup: () => signal?.removeEventListener("abort", onAbort) };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Runs `fn` holding a permit. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private grant(): () => void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.next();
    };
  }

  private next(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      const waiter = this.queue.shift()!;
      waiter.cleanup();
      waiter.grant(this.grant());
    }
  }
}
