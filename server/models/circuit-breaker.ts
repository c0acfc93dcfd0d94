/**
 * Circuit breakers of the model path (in-process): one circuit per model (the catalog Model row id) and one per
 * provider connection (the Provider row id), so that a provider that is down is left as a whole.
 *
 * closed     calls go through; each call's outcome enters the circuit's window (the last `windowSize` outcomes
 *            within `windowMs`). Once the window holds at least `minimumCalls` outcomes and the failed share reaches
 *            `failureRatio`, the circuit opens; fail, fail, succeed repeated opens it at a ratio of 2/3 or below,
 *            which counting consecutive failures never would. A provider circuit also needs failures of at least
 *            `providerMinimumModels` different models in its window: one broken model is that model's business.
 * open       the router skips the model (every model of the provider) until `coolDownMs` have passed since it opened.
 * half-open  after the cool-down, `halfOpenTrials` trial calls are let through (one at a time or together); that
 *            many successes close the circuit with an empty window, any failure opens it for another cool-down.
 *            While the trials are taken, other calls still skip it.
 *
 * Stale outcomes: every call takes a permit (`acquire`) that remembers the generation of its model's and its
 * provider's circuit; every change of state starts a new generation, and the outcome of a call is ignored by a
 * circuit whose generation changed since the call started (a slow success of a call sent before the circuit opened
 * does not close it; a late failure of a call sent before it closed does not count against the fresh window).
 *
 * Which failures count is the gateway's call (its RETRYABLE kinds count against the model, its PROVIDER_FAULTS
 * against the provider too); request errors and the caller's aborts `release` the permit.
 *
 * Provider holds: a provider that answered with Retry-After is held until then for every caller of this process
 * (`hold` / `heldUntil`), so that parallel steps and other runs do not storm a provider that asked to wait.
 *
 * State lives in this process only: each server process learns on its own (a restart closes every circuit), which is
 * acceptable for a fast-reacting guard; the durable signal is the observed error rate on the Model row, and a step
 * that finds every circuit of its route open waits durably for the earliest recovery (`recoversAt`).
 */
export interface CircuitBreakerOptions {
  /** failed share of the window at or above which a circuit opens (default 0.5) */
  failureRatio?: number;
  /** outcomes the window must hold before a model circuit may open (default 3) */
  minimumCalls?: number;
  /** the former name of `minimumCalls` (with only failures in the window, the failures that open the circuit) */
  failureThreshold?: number;
  /** the window: the last `windowSize` outcomes (default 20) ... */
  windowSize?: number;
  /** ... that are at most `windowMs` old (default 60 s) */
  windowMs?: number;
  coolDownMs?: number;
  /** trial calls of a half-open circuit; that many successes close it (default 1) */
  halfOpenTrials?: number;
  /** outcomes a provider's window must hold before its circuit may open (default 6) */
  providerMinimumCalls?: number;
  /** different models that must have failed in a provider's window before its circuit may open (default 2) */
  providerMinimumModels?: number;
  now?: () => number;
}

export type CircuitState = "closed" | "open" | "half_open";

/** The right to make one call, taken before it and settled once after it (later settlements are no-ops). */
export interface CircuitPermit {
  /** the provider answered */
  success(): void;
  /** a failure that counts against the model; with `providerFault`, against its provider too */
  failure(providerFault?: boolean): void;
  /** the call ended with nothing to say about the model (aborted, a request error): its trial, if any, is given back */
  release(): void;
}

interface Outcome {
  at: number;
  ok: boolean;
  /** the model of a provider circuit's outcome */
  model?: string;
}

interface Circuit {
  state: CircuitState;
  generation: number;
  openedAt: number;
  outcomes: Outcome[];
  trialsTaken: number;
  trialsSucceeded: number;
}

type Settings = Required<Omit<CircuitBreakerOptions, "failureThreshold" | "now">>;

const DEFAULTS: Settings = {
  failureRatio: 0.5,
  minimumCalls: 3,
  windowSize: 20,
  windowMs: 60_000,
  coolDownMs: 30_000,
  halfOpenTrials: 1,
  providerMinimumCalls: 6,
  providerMinimumModels: 2,
};

/** How long a caller waits for the trials of a half-open circuit to decide. */
const TRIAL_WAIT_MS = 1_000;

/** A catalog entry, or just a model id (its provider unknown: only the model's circuit applies). */
export type BreakerKey = string | { id: string; providerId: string };

export class CircuitBreaker {
  private models = new Map<string, Circuit>();
  private providers = new Map<string, Circuit>();
  /** circuits that are not closed (models and providers): none means nothing is skipped */
  private tripped = 0;
  /** provider id -> epoch ms before which it must not be called (its Retry-After) */
  private holds = new Map<string, number>();
  private options: Settings = { ...DEFAULTS };
  private now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.now = Date.now;
    this.configure(options);
  }

  /** changes the settings (tests shorten the cool-down); existing state is kept */
  configure(options: CircuitBreakerOptions): void {
    const o = this.options;
    const minimumCalls = options.minimumCalls ?? options.failureThreshold;
    if (options.failureRatio !== undefined) o.failureRatio = Math.min(1, Math.max(Number.EPSILON, options.failureRatio));
    if (minimumCalls !== undefined) o.minimumCalls = Math.max(1, Math.floor(minimumCalls));
    if (options.windowSize !== undefined) o.windowSize = Math.max(1, Math.floor(options.windowSize));
    if (options.windowMs !== undefined) o.windowMs = Math.max(1, options.windowMs);
    if (options.coolDownMs !== undefined) o.coolDownMs = Math.max(0, options.coolDownMs);
    if (options.halfOpenTrials !== undefined) o.halfOpenTrials = Math.max(1, Math.floor(options.halfOpenTrials));
    if (options.providerMinimumCalls !== undefined) o.providerMinimumCalls = Math.max(1, Math.floor(options.providerMinimumCalls));
    if (options.providerMinimumModels !== undefined) o.providerMinimumModels = Math.max(1, Math.floor(options.providerMinimumModels));
    if (options.now !== undefined) this.now = options.now;
  }

  get settings(): Settings {
    return { ...this.options };
  }

  /** The model circuit's state. */
  state(modelId: string): CircuitState {
    return this.stateOf(this.models.get(modelId));
  }

  /** The provider circuit's state. */
  providerState(providerId: string): CircuitState {
    return this.stateOf(this.providers.get(providerId));
  }

  /** Whether a call may be attempted now (no side effect): both circuits closed, or half-open with a trial free. */
  allows(modelId: string, providerId?: string): boolean {
    return this.admits(this.models.get(modelId)) && (providerId === undefined || this.admits(this.providers.get(providerId)));
  }

  /** The model ids (of the given entries) that must be skipped right now: their circuit or their provider's is open. */
  openIds(keys: Iterable<BreakerKey>): Set<string> {
    const out = new Set<string>();
    if (this.tripped === 0) return out;
    for (const key of keys) {
      const [id, providerId] = typeof key === "string" ? [key, undefined] : [key.id, key.providerId];
      if (!this.allows(id, providerId)) out.add(id);
    }
    return out;
  }

  /**
   * Claims the right to make one call: null when the model's or its provider's circuit is open, or half-open with
   * every trial taken. The permit remembers both circuits' generations (see "Stale outcomes").
   */
  acquire(modelId: string, providerId?: string): CircuitPermit | null {
    if (!this.allows(modelId, providerId)) return null;
    const model = this.circuit(this.models, modelId);
    const provider = providerId === undefined ? undefined : this.circuit(this.providers, providerId);
    const modelTicket = this.take(model);
    const providerTicket = provider ? this.take(provider) : undefined;
    let settled = false;
    const settle = (modelOutcome: boolean | null, providerOutcome: boolean | null) => {
      if (settled) return;
      settled = true;
      this.settle(model, modelTicket, modelOutcome, false, undefined);
      if (provider) this.settle(provider, providerTicket!, providerOutcome, true, modelId);
    };
    return {
      success: () => settle(true, true),
      failure: (providerFault = false) => settle(false, providerFault ? false : null),
      release: () => settle(null, null),
    };
  }

  /**
   * When the model may be tried again (epoch ms): null when it may be now. The later of its circuit's and its
   * provider circuit's: open, the end of the cool-down; half-open with every trial taken, shortly (the trials decide).
   */
  recoversAt(modelId: string, providerId?: string): number | null {
    const model = this.recoveryOf(this.models.get(modelId));
    const provider = providerId === undefined ? null : this.recoveryOf(this.providers.get(providerId));
    if (model === null) return provider;
    return provider === null ? model : Math.max(model, provider);
  }

  /**
   * Opens a circuit now, whatever its window says (a failure that proves the model, or the provider connection,
   * unusable for a while: a revoked key, a retired model).
   */
  trip(id: string, kind: "model" | "provider" = "model"): void {
    const circuit = this.circuit(kind === "model" ? this.models : this.providers, id);
    this.refresh(circuit);
    this.open(circuit);
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

  /** Forgets a model's circuit, or everything (circuits of models and providers, holds). */
  reset(modelId?: string): void {
    if (modelId === undefined) {
      this.models.clear();
      this.providers.clear();
      this.holds.clear();
      this.tripped = 0;
      return;
    }
    const circuit = this.models.get(modelId);
    if (circuit && circuit.state !== "closed") this.tripped--;
    this.models.delete(modelId);
  }

  // -------------------------------------------------------------------------------------------------

  private circuit(map: Map<string, Circuit>, id: string): Circuit {
    let circuit = map.get(id);
    if (!circuit) {
      circuit = { state: "closed", generation: 0, openedAt: 0, outcomes: [], trialsTaken: 0, trialsSucceeded: 0 };
      map.set(id, circuit);
    }
    return circuit;
  }

  /** Moves an open circuit whose cool-down is over to half-open (a new generation). */
  private refresh(circuit: Circuit): void {
    if (circuit.state === "open" && this.now() - circuit.openedAt >= this.options.coolDownMs) {
      circuit.state = "half_open";
      circuit.generation++;
      circuit.trialsTaken = 0;
      circuit.trialsSucceeded = 0;
    }
  }

  private stateOf(circuit: Circuit | undefined): CircuitState {
    if (!circuit) return "closed";
    this.refresh(circuit);
    return circuit.state;
  }

  private admits(circuit: Circuit | undefined): boolean {
    const state = this.stateOf(circuit);
    return state === "closed" || (state === "half_open" && circuit!.trialsTaken < this.options.halfOpenTrials);
  }

  private recoveryOf(circuit: Circuit | undefined): number | null {
    const state = this.stateOf(circuit);
    if (state === "open") return circuit!.openedAt + this.options.coolDownMs;
    if (state === "half_open" && circuit!.trialsTaken >= this.options.halfOpenTrials) return this.now() + TRIAL_WAIT_MS;
    return null;
  }

  /** The ticket of a call: the circuit's generation, and whether the call is one of its half-open trials. */
  private take(circuit: Circuit): { generation: number; trial: boolean } {
    const trial = circuit.state === "half_open";
    if (trial) circuit.trialsTaken++;
    return { generation: circuit.generation, trial };
  }

  /** One call's outcome (true ok, false failed, null nothing to say), ignored when the circuit changed since. */
  private settle(circuit: Circuit, ticket: { generation: number; trial: boolean }, ok: boolean | null, isProvider: boolean, model: string | undefined) {
    this.refresh(circuit);
    if (circuit.generation !== ticket.generation) return; // a stale outcome: the circuit changed state since the call started
    if (ticket.trial) {
      if (ok === null) circuit.trialsTaken--;
      else if (!ok) this.open(circuit);
      else if (++circuit.trialsSucceeded >= this.options.halfOpenTrials) this.close(circuit);
      return;
    }
    if (ok === null || circuit.state !== "closed") return;
    const now = this.now();
    const window = circuit.outcomes;
    window.push(isProvider ? { at: now, ok, model } : { at: now, ok });
    let drop = Math.max(0, window.length - this.options.windowSize);
    while (drop < window.length && now - window[drop]!.at > this.options.windowMs) drop++;
    if (drop > 0) window.splice(0, drop);
    if (ok) return;
    const minimum = isProvider ? this.options.providerMinimumCalls : this.options.minimumCalls;
    if (window.length < minimum) return;
    let failed = 0;
    const failedModels = new Set<string | undefined>();
    for (const o of window)
      if (!o.ok) {
        failed++;
        failedModels.add(o.model);
      }
    if (failed / window.length < this.options.failureRatio) return;
    if (isProvider && failedModels.size < this.options.providerMinimumModels) return;
    this.open(circuit);
  }

  private open(circuit: Circuit): void {
    if (circuit.state === "closed") this.tripped++;
    circuit.state = "open";
    circuit.generation++;
    circuit.openedAt = this.now();
    circuit.outcomes = [];
    circuit.trialsTaken = 0;
    circuit.trialsSucceeded = 0;
  }

  private close(circuit: Circuit): void {
    if (circuit.state !== "closed") this.tripped--;
    circuit.state = "closed";
    circuit.generation++;
    circuit.outcomes = [];
  }
}

const globalForBreaker = globalThis as unknown as { cadreModelBreaker?: CircuitBreaker };

/** The process-wide breaker the gateway uses (kept on globalThis so dev reloads keep the state). */
export function modelCircuitBreaker(): CircuitBreaker {
  globalForBreaker.cadreModelBreaker ??= new CircuitBreaker();
  return globalForBreaker.cadreModelBreaker;
}
