/**
 * How long a model call may take. One fixed whole-call timeout is wrong both ways: a 4,000-token answer at 30 tokens
 * a second needs more than two minutes, a 50-token classification that has not started after a minute is dead. So:
 * - the whole call: `baseMs + perOutputTokenMs × maxOutputTokens`, capped at `maxMs` (the egress guard's 10 minutes);
 * - streams also have a first-byte timeout (nothing at all from the model, e.g. stuck in a queue) and an idle
 *   timeout between two parts of the stream (a stalled connection), each a fraction of a healthy call's time.
 * A model may bring its own figures (the catalog's `firstByteTimeoutSeconds` and `callTimeoutBaseSeconds`): a reasoning
 * model thinks for minutes before its first token, which the defaults would take for a dead call. They replace the
 * defaults for that model; the request's overrides still win over them (an agent's own limits,
 * `GenerateRequest.timeouts`; `timeoutMs` the whole call, e.g. an agent's `callTimeoutSeconds`), and the first-byte
 * and idle timeouts never exceed the whole call's.
 */
import { MODEL_CALL_MAX_MS } from "./provider-factory";

export interface CallTimeouts {
  /** the whole call, first byte to last */
  totalMs: number;
  /** streams: from the request until the first part of the answer */
  firstByteMs: number;
  /** streams: the longest pause between two parts of the answer */
  idleMs: number;
}

export interface TimeoutSettings {
  baseMs: number;
  perOutputTokenMs: number;
  maxMs: number;
  firstByteMs: number;
  idleMs: number;
}

const DEFAULT_TIMEOUTS: TimeoutSettings = { baseMs: 60_000, perOutputTokenMs: 40, maxMs: MODEL_CALL_MAX_MS, firstByteMs: 60_000, idleMs: 30_000 };
let timeoutSettings: TimeoutSettings = { ...DEFAULT_TIMEOUTS };

/** Changes the defaults (tests shorten them); `undefined` restores them. */
export function configureTimeouts(patch?: Partial<TimeoutSettings>): TimeoutSettings {
  timeoutSettings = patch ? { ...timeoutSettings, ...patch } : { ...DEFAULT_TIMEOUTS };
  return timeoutSettings;
}

/** A model's own timeout figures (seconds; null or absent: the defaults). */
export interface ModelTimeouts {
  /** streams: how long the model may take before its first part */
  firstByteTimeoutSeconds?: number | null;
  /** the whole call's base, before the allowance per output token */
  callTimeoutBaseSeconds?: number | null;
}

/** The timeouts of one call: scaled to its output budget, the request's overrides first, then the model's figures. */
export function callTimeouts(
  maxOutputTokens: number,
  override: { timeoutMs?: number; timeouts?: Partial<CallTimeouts> } = {},
  model: ModelTimeouts = {},
): CallTimeouts {
  const s = timeoutSettings;
  const baseMs = model.callTimeoutBaseSeconds ? model.callTimeoutBaseSeconds * 1000 : s.baseMs;
  const scaled = Math.min(s.maxMs, baseMs + s.perOutputTokenMs * Math.max(0, maxOutputTokens));
  const totalMs = Math.min(s.maxMs, override.timeouts?.totalMs ?? override.timeoutMs ?? scaled);
  const firstByteMs = model.firstByteTimeoutSeconds ? model.firstByteTimeoutSeconds * 1000 : s.firstByteMs;
  return {
    totalMs,
    firstByteMs: Math.min(totalMs, override.timeouts?.firstByteMs ?? firstByteMs),
    idleMs: Math.min(totalMs, override.timeouts?.idleMs ?? s.idleMs),
  };
}

/**
 * Watches a stream: aborts its signal when no part arrived within `firstByteMs` of the start, or when a pause
 * between two parts is longer than `idleMs`. `touch()` on each part; `stop()` when the call is over.
 */
export class StreamWatchdog {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;
  /** "first_byte" | "idle" once it fired */
  fired: "first_byte" | "idle" | null = null;

  constructor(private readonly timeouts: CallTimeouts) {
    this.arm(timeouts.firstByteMs, "first_byte");
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    if (this.fired) return;
    this.started = true;
    this.arm(this.timeouts.idleMs, "idle");
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The attempt's message when it fired. */
  message(): string {
    return this.fired === "first_byte"
      ? `No answer began within ${seconds(this.timeouts.firstByteMs)} (first-byte timeout)`
      : `The answer stalled for ${seconds(this.timeouts.idleMs)} (idle timeout)`;
  }

  private arm(ms: number, kind: "first_byte" | "idle"): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = this.started ? "idle" : kind;
      this.controller.abort(new DOMException(this.message(), "TimeoutError"));
    }, ms);
    this.timer.unref?.();
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}
