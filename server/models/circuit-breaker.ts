/**
 * Per-model circuit breaker (in-process, keyed by the catalog Model row id).
 *
 * closed     calls go through; `failureThreshold` consecutive failures (default 3) open it.
 * open       the router skips the model until `coolDownMs` (default 30 s) have passed since it opened.
 * half-open  after the cool-down, exactly one trial call is let through: success closes the circuit, failure
 *            opens it for another cool-down. While the trial is in flight, other calls still skip the model.
 *
 * Provider holds: a provider that answered with Retry-After is held until then for every caller of this process
 * (`hold` / `heldUntil`), so that parallel steps and other runs do not storm a provider that asked to wait.
 *
 * State lives in this process only: each server process learns on its own (a restart closes every circuit), which is
 * acceptable for a fast-reacting guard; the durable signal is the observed error rate on the Model row.
 */
export interface CircuitBreakerOptions {
  failureThreshold?: number;
  coolDownMs?: number;
  now?: () => number;
}

export type CircuitState = "closed" | "open" | "half_open";

interface Entry {
  failures: number;
  openedAt: number | null;
  trialInFlight: boolean;
}

export class CircuitBreaker {
  private entries = new Map<string, Entry>();
  /** provider id -> epoch ms before which it must not be called (its Retry-After) */
  private holds = new Map<string, number>();
  private failureThreshold: number;
  private coolDownMs: number;
  private now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.coolDownMs = options.coolDownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** changes the thresholds (tests shorten the cool-down); existing state is kept */
  configure(options: CircuitBreakerOptions): void {
    if (options.failureThreshold !== undefined) this.failureThreshold = Math.max(1, options.failureThreshold);
    if (options.coolDownMs !== undefined) this.coolDownMs = Math.max(0, options.coolDownMs);
    if (options.now !== undefined) this.now = options.now;
  }

  get settings(): { failureThreshold: number; coolDownMs: number } {
    return { failureThreshold: this.failureThreshold, coolDownMs: this.coolDownMs };
  }

  state(id: string): CircuitState {
    const entry = this.entries.get(id);
    if (!entry || entry.openedAt === null) return "closed";
    return this.now() - entry.openedAt >= this.coolDownMs ? "half_open" : "open";
  }

  /** whether a call may be attempted now (no side effect): closed, or half-open with no trial running */
  allows(id: string): boolean {
    const state = this.state(id);
    return state === "closed" || (state === "half_open" && !this.entries.get(id)!.trialInFlight);
  }

  /** The ids (of the given ones) that must be skipped right now. */
  openIds(ids: Iterable<string>): Set<string> {
    const out = new Set<string>();
    if (this.entries.size === 0) return out;
    for (const id of ids) if (!this.allows(id)) out.add(id);
    return out;
  }

  /** Claims the right to call: always true when closed; in half-open, true for exactly one caller (the trial). */
  tryAcquire(id: string): boolean {
    const state = this.state(id);
    if (state === "closed") return true;
    if (state === "open") return false;
    const entry = this.entries.get(id)!;
    if (entry.trialInFlight) return false;
    entry.trialInFlight = true;
    return true;
  }

  /**
   * When the model may be tried again (epoch ms): null when it may be now. Open: the end of its cool-down. Half-open
   * with its trial in flight: shortly (the trial decides), one second from now.
   */
  recoversAt(id: string): number | null {
    const entry = this.entries.get(id);
    if (!entry || entry.openedAt === null) return null;
    const state = this.state(id);
    if (state === "open") return entry.openedAt + this.coolDownMs;
    return entry.trialInFlight ? this.now() + 1_000 : null;
  }

  /** Holds a provider until `until` (epoch ms; an earlier hold is never shortened). */
  hold(providerId: string, until: number): void {
    if (until > (this.holds.get(providerId) ?? 0)) this.holds.set(providerId, until);
  }

  /** The end of the provider's hold (epoch ms), or null when it may be called now. */
  heldUntil(providerId: string): number | null {
    const until = this.holds.get(providerId);
    if (until === undefined) return null;
    if (until <= this.now()) {
      this.holds.delete(providerId);
      return null;
    }
    return until;
  }

  /** The breaker's clock (injected in tests). */
  time(): number {
    return this.now();
  }

  onSuccess(id: string): void {
    this.entries.delete(id);
  }

  onFailure(id: string): void {
    const entry = this.entries.get(id) ?? { failures: 0, openedAt: null, trialInFlight: false };
    entry.failures += 1;
    if (entry.trialInFlight || entry.failures >= this.failureThreshold) entry.openedAt = this.now();
    entry.trialInFlight = false;
    this.entries.set(id, entry);
  }

  /** releases a claimed trial that ended neither in success nor in failure (e.g. the caller aborted) */
  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.trialInFlight = false;
  }

  reset(id?: string): void {
    if (id === undefined) {
      this.entries.clear();
      this.holds.clear();
    } else this.entries.delete(id);
  }
}

const globalForBreaker = globalThis as unknown as { cadreModelBreaker?: CircuitBreaker };

/** The process-wide breaker the gateway uses (kept on globalThis so dev reloads keep the state). */
export function modelCircuitBreaker(): CircuitBreaker {
  globalForBreaker.cadreModelBreaker ??= new CircuitBreaker();
  return globalForBreaker.cadreModelBreaker;
}
